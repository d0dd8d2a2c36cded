// `node --import ./test/fuzz/register.mjs file.ts`: plain Node runs the fuzzer's TypeScript (see ts-hooks.mjs).
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
