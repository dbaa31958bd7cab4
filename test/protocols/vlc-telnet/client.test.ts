import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { firstValueFrom } from 'rxjs';
import { VlcTelnetClient } from '../../../protocols/vlc-telnet/client.js';
import { VlcConnectionError, VlcTimeoutError, VlmError } from '../../../protocols/vlc-telnet/errors.js';

/**
 * A server that speaks VLC's login exactly as VLC 3 does, then answers from a
 * script; a script entry of null never answers (a hung VLC). The real VLC is
 * tested in test/channels; this one can hang on cue.
 */
async function fakeVlc(answers: Array<string | null>): Promise<{ port: number; received: string[]; close: () => Promise<void> }> {
  const received: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.write('VLC media player 3.0.24 Vetinari\nPassword: \xff\xfb\x01', 'latin1');
    let buf = '';
    let loggedIn = false;
    s.on('data', (d) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!loggedIn) {
          loggedIn = true;
          // Split the IAC and the welcome across writes, as TCP may.
          s.write('\xff', 'latin1');
          s.write('\xfc\x01\r\nWelcome, Master\r\n', 'latin1');
          s.write('> ');
          continue;
        }
        received.push(line);
        const answer = answers.shift();
        if (answer === null || answer === undefined) continue;
        s.write(`${answer}\r\n> `);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    received,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

test('commands are sent one at a time, each after the previous prompt, and answered in order', async () => {
  const vlc = await fakeVlc(['new', 'setup', 'control : x: media unknown', 'show\r\n    x\r\n        type : broadcast']);
  try {
    const c = await VlcTelnetClient.connect({ port: vlc.port, password: 'p' });
    const results = await Promise.allSettled([c.command('new x broadcast'), c.command('setup x loop'), c.command('control x play'), c.show('x')]);
    assert.deepEqual(results[0], { status: 'fulfilled', value: [] });
    assert.deepEqual(results[1], { status: 'fulfilled', value: [] });
    assert.ok(results[2].status === 'rejected' && results[2].reason instanceof VlmError && results[2].reason.vlcText === 'x: media unknown');
    assert.ok(results[3].status === 'fulfilled' && results[3].value.media[0]?.type === 'broadcast');
    assert.deepEqual(vlc.received, ['new x broadcast', 'setup x loop', 'control x play', 'show "x"']);
    c.close();
  } finally {
    await vlc.close();
  }
});

test('a command with no prompt in time rejects with a timeout, closes the connection and fails the queue', async () => {
  const vlc = await fakeVlc(['new', null]);
  try {
    const c = await VlcTelnetClient.connect({ port: vlc.port, password: 'p', commandTimeoutMs: 300 });
    await c.command('new x broadcast');
    const hung = c.command('show');
    const queued = c.command('del x');
    await assert.rejects(hung, VlcTimeoutError);
    await assert.rejects(queued, VlcConnectionError);
    const closed = await firstValueFrom(c.closed$);
    assert.ok(closed.error instanceof VlcTimeoutError);
    assert.equal(c.isClosed, true);
    assert.deepEqual(vlc.received, ['new x broadcast', 'show'], 'the queued command was never sent');
  } finally {
    await vlc.close();
  }
});

test('a multi-line command is refused before anything is sent', async () => {
  const vlc = await fakeVlc([]);
  try {
    const c = await VlcTelnetClient.connect({ port: vlc.port, password: 'p' });
    await assert.rejects(c.command('show\ndel all'), TypeError);
    assert.deepEqual(vlc.received, []);
    c.close();
  } finally {
    await vlc.close();
  }
});

test('nothing listening: a connection error, not a hang', async () => {
  const vlc = await fakeVlc([]);
  const { port } = vlc;
  await vlc.close();
  await assert.rejects(VlcTelnetClient.connect({ port, password: 'p', loginTimeoutMs: 2000 }), VlcConnectionError);
});
