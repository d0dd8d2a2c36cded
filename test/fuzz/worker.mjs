// Worker entry (plain JavaScript, so Node starts it as a module); the TypeScript hooks are inherited from
// the runner's --import, and the worker itself is TypeScript.
await import('./worker.ts');
