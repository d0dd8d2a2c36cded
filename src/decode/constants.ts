// Protocol numbers, as the references name them (IANA, Linux if_ether.h, tcpdump's LINKTYPE_* list).

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;
/** Linux netfilter NFLOG: a 4-byte header, then TLVs; the packet is the NFULA_PAYLOAD TLV */
export const LINKTYPE_NFLOG = 239;
/** OpenBSD's raw IP value, which some files carry instead of 101 */
export const DLT_RAW_OPENBSD = 14;
export const DLT_RAW_BSDOS = 12;

export const LINKTYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [LINKTYPE_NULL, 'NULL'], [LINKTYPE_ETHERNET, 'EN10MB'], [LINKTYPE_RAW, 'RAW'], [DLT_RAW_OPENBSD, 'RAW'],
  [DLT_RAW_BSDOS, 'RAW'], [LINKTYPE_LOOP, 'LOOP'], [LINKTYPE_LINUX_SLL, 'LINUX_SLL'], [LINKTYPE_IPV4, 'IPV4'],
  [LINKTYPE_IPV6, 'IPV6'], [LINKTYPE_LINUX_SLL2, 'LINUX_SLL2'], [LINKTYPE_NFLOG, 'NFLOG'], [127, 'IEEE802_11_RADIOTAP'],
  [105, 'IEEE802_11'], [9, 'PPP'], [50, 'PPP_HDLC'], [104, 'C_HDLC'],
]);

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_QINQ = 0x88a8;
/** pre-standard QinQ tags seen in the wild (Cisco, Linux bridge defaults) */
export const ETHERTYPE_QINQ_9100 = 0x9100;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_MPLS = 0x8847;
export const ETHERTYPE_MPLS_MCAST = 0x8848;
export const ETHERTYPE_PPPOE_SESSION = 0x8864;
/** transparent Ethernet bridging (GRE/Geneve carrying whole Ethernet frames) */
export const ETHERTYPE_TEB = 0x6558;
/** ERSPAN types I and II (GRE protocol type), type III */
export const ETHERTYPE_ERSPAN = 0x88be;
export const ETHERTYPE_ERSPAN3 = 0x22eb;
/** PPP in PPTP's enhanced GRE (RFC 2637) */
export const ETHERTYPE_PPP = 0x880b;

export const IPPROTO_HOPOPTS = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_IPIP = 4;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_ROUTING = 43;
export const IPPROTO_FRAGMENT = 44;
export const IPPROTO_GRE = 47;
export const IPPROTO_ESP = 50;
export const IPPROTO_AH = 51;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_NONE = 59;
export const IPPROTO_DSTOPTS = 60;
export const IPPROTO_SCTP = 132;
export const IPPROTO_MH = 135;

export const TH_FIN = 0x01;
export const TH_SYN = 0x02;
export const TH_RST = 0x04;
export const TH_PUSH = 0x08;
export const TH_ACK = 0x10;
export const TH_URG = 0x20;
export const TH_ECE = 0x40;
export const TH_CWR = 0x80;

// UDP ports of tunnels (IANA): decapsulated by port, then checked by content
export const UDP_PORT_VXLAN = 4789;
export const UDP_PORT_GENEVE = 6081;
export const UDP_PORT_GTPU = 2152;
export const UDP_PORT_GRE = 4754;
export const UDP_PORT_TEREDO = 3544;
export const UDP_PORT_AYIYA = 5072;
