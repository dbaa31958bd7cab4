import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Progress } from '../../src/cli/progress.js';

/** A terminal or a log, as far as Progress can tell, keeping what was written. */
function screen(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = { isTTY, text: '', write: (chunk: string) => ((s.text += chunk), true) };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

it('a cleared bar is wiped from the terminal and draws nothing after, so the error that follows is the last line', () => {
  const tty = screen(true);
  const p = new Progress(tty);
  p.update(3, 10, 'MiB uploaded');
  p.clear();
  p.update(4, 10, 'MiB uploaded');
  p.end();
  assert.equal(tty.text, '\r\x1b[2K[#########---------------------] 3/10 MiB uploaded\r\x1b[2K');
});

it('in a log a bar is a line per change; ended, it ends its line once and stays quiet', () => {
  const log = screen(false);
  const p = new Progress(log);
  p.update(1, 2, 'seats on 2.5.0');
  p.update(1, 2, 'seats on 2.5.0');
  p.update(2, 2, 'seats on 2.5.0');
  p.end();
  p.update(3, 2, 'seats on 2.5.0');
  assert.equal(log.text, '1/2 seats on 2.5.0\n2/2 seats on 2.5.0\n');
  const tty = screen(true);
  const q = new Progress(tty);
  q.update(2, 2, 'done');
  q.end();
  q.clear();
  assert.equal(tty.text, '\r\x1b[2K[##############################] 2/2 done\n');
});
