// Whether text is an IPv4 or IPv6 address literal (4, 6, or 0 for neither), by node:net's own
// parser. The modules that must not touch the network (config, plan, the pure ones) get node:net's
// one side-effect-free function from here instead of importing node:net.
export { isIP } from 'node:net';
