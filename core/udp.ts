import dgram, { type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';

type Lookup = (address: string, family: unknown, callback: (err: Error | null, address: string, family: number) => void) => void;

export interface BindUdpOptions {
  recvBufferSize?: number;
  reuseAddr?: boolean;
}

/**
 * A UDP socket bound to `host:port` (port 0: an ephemeral one). On failure the
 * socket is closed, so callers have nothing to clean up. Addresses are IP
 * literals here: the default lookup would still go through dns.lookup and
 * defer every send by a tick; answering at once keeps a send one call.
 */
export function bindUdp(host: string, port: number, opts: BindUdpOptions = {}): Promise<Socket> {
  const family = isIPv6(host) ? 6 : 4;
  const literal: Lookup = (address, _family, callback) => callback(null, address, family);
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({
      type: family === 6 ? 'udp6' : 'udp4',
      lookup: literal as unknown as dgram.SocketOptions['lookup'],
      ...(opts.reuseAddr ? { reuseAddr: true } : {}),
      ...(opts.recvBufferSize ? { recvBufferSize: opts.recvBufferSize } : {}),
    });
    const onError = (err: Error): void => {
      socket.close();
      reject(err);
    };
    socket.once('error', onError);
    socket.bind({ address: host, port }, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

/**
 * A socket that receives one multicast group on one interface. Bound to the
 * group, not 0.0.0.0: it gets only this group's datagrams (groups can share a
 * port) and no unicast from the network reaches it.
 */
export async function joinMulticast(group: string, port: number, interfaceAddress: string): Promise<Socket> {
  const socket = await bindUdp(group, port, { reuseAddr: true });
  try {
    socket.addMembership(group, interfaceAddress);
  } catch (err) {
    socket.close();
    throw err;
  }
  return socket;
}

/**
 * A socket that sends multicast out of one interface only. The interface is
 * what keeps packets on the machine (a TTL of 0 does not): tests and the
 * simulator pass 127.0.0.1.
 */
export async function multicastSender(interfaceAddress: string, ttl: number, loopback = true): Promise<Socket> {
  const socket = await bindUdp(interfaceAddress, 0);
  try {
    socket.setMulticastInterface(interfaceAddress);
    socket.setMulticastTTL(ttl);
    socket.setMulticastLoopback(loopback);
  } catch (err) {
    socket.close();
    throw err;
  }
  return socket;
}
