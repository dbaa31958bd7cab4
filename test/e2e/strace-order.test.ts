import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkOrder, parseTrace } from './power-cut/strace-order.js';

// Lines in the shape `strace -f -yy` prints them (taken from a real run, bodies cut short).
const fsync = '13615 fsync(22</tmp/pc/state/purser.db-wal>) = 0';
const dgram = (seq: number) => `13615 sendmsg(31<UDP:[127.0.0.1:57204->239.255.30.1:27098]>, {msg_name=NULL, msg_iov=[{iov_base="IFC1\\215\\214{\\"seq\\":${seq},\\"at\\":1796193177584}", iov_len=300}], msg_iovlen=1}, 0) = 300`;
const http = (seq: number) => `13615 writev(49<TCP:[127.0.0.1:38627->127.0.0.1:44142]>, [{iov_base="HTTP/1.1 201 Created\\r\\ncontent-type: application/json\\r\\n\\r\\n{\\"command\\":{\\"seq\\":${seq},\\"cmd\\":\\"media.pause\\"", iov_len=3800}], 1) = 3800`;
const other = '13615 write(1<pipe:[1234]>, "hello", 5) = 5';

describe('strace fsync ordering check', () => {
  it('finds the WAL fsyncs, the command datagrams on our port and the 2xx answers', () => {
    const ev = parseTrace([fsync, dgram(1), http(1), other, fsync, dgram(2), http(2)].join('\n'), 27098);
    assert.deepEqual(ev.map((e) => `${e.kind}${e.seq ?? ''}`), ['fsync', 'dgram1', 'http2xx1', 'fsync', 'dgram2', 'http2xx2']);
    assert.deepEqual(checkOrder(ev, [1, 2]), { ordered: 2, violations: [] });
    assert.equal(parseTrace(dgram(1), 9999).length, 0, 'another port is not ours');
  });

  it('reports a command whose datagram went out before any fsync since the previous one', () => {
    const ev = parseTrace([fsync, dgram(1), http(1), dgram(2), fsync, http(2)].join('\n'), 27098);
    const r = checkOrder(ev, [1, 2]);
    assert.equal(r.ordered, 1);
    assert.match(r.violations[0] ?? '', /seq 2: its datagram went out with no WAL fsync/);
  });

  it('an fsync split by another thread (<unfinished ...> / resumed) counts where it completes', () => {
    const lines = ['13616 fdatasync(22</s/purser.db-wal> <unfinished ...>', dgram(1), '13616 <... fdatasync resumed>) = 0', http(1)];
    const r = checkOrder(parseTrace(lines.join('\n'), 27098), [1]);
    assert.equal(r.ordered, 0, 'the datagram went before the fsync completed');
  });
});
