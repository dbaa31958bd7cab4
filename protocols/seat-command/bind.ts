import type { BindOptions, Socket } from 'node:dgram';

/** bind() as a promise; on failure the socket is closed, so callers have nothing to clean up. */
export function bindUdp(socket: Socket, options: BindOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      socket.close();
      reject(err);
    };
    socket.once('error', onError);
    socket.bind(options, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}
