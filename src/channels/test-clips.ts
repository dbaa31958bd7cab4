import { spawn } from 'node:child_process';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tempPathFor } from '../../core/durable-fs.js';

export interface TestClipOptions {
  /** Where the clip goes; created if absent. */
  dir: string;
  /** File name without extension; default derived from the other options. */
  name?: string;
  /** 2..120 s. */
  seconds: number;
  format?: 'mpegts' | 'mp4';
  /** Test-pattern size; small keeps ffmpeg quick. */
  size?: string;
  /** Sine frequency, so two clips sound different. */
  toneHz?: number;
  ffmpegPath?: string;
}

/**
 * Makes a small test video (lavfi testsrc + a sine tone) unless it is already
 * there, and returns its path. A keyframe every second (-g 25 at 25 fps):
 * VLC's streaming output needs one to start a channel promptly. Written to a
 * temp name and renamed, so a half-written clip is never taken for a clip.
 */
export async function makeTestClip(opts: TestClipOptions): Promise<string> {
  const { dir, seconds } = opts;
  if (!(seconds >= 2 && seconds <= 120)) throw new RangeError(`test clip length ${seconds} s: 2..120 s`);
  const format = opts.format ?? 'mpegts';
  const size = opts.size ?? '160x120';
  const tone = opts.toneHz ?? 440;
  const ext = format === 'mp4' ? 'mp4' : 'ts';
  const path = join(dir, `${opts.name ?? `clip-${seconds}s-${size}-${tone}hz`}.${ext}`);
  if (await exists(path)) return path;
  await mkdir(dir, { recursive: true });
  const temp = tempPathFor(path);
  const codecs = format === 'mp4' ? ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac'] : ['-c:v', 'mpeg2video', '-c:a', 'mp2'];
  const args = [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
    '-f', 'lavfi', '-i', `testsrc=size=${size}:rate=25:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=${tone}:duration=${seconds}`,
    ...codecs, '-g', '25', '-shortest', '-f', format, temp,
  ];
  try {
    await run(opts.ffmpegPath ?? 'ffmpeg', args);
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  return path;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} failed (${signal ?? code}): ${stderr.trim()}`)),
    );
  });
}
