// One share of a bench's simulated seats, in its own process (forked by
// SeatLoad, bench/lib/seat-load.ts): the seats the parent assigns it, one
// keep-alive agent, and its own measurement of its loop. It speaks to the
// parent over the IPC channel only (messages in seat-load-protocol.ts).
import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { POLL_PATH } from '../../protocols/seat-poll/types.js';
import { commandHandlers } from '../../src/sim/command-handlers.js';
import { ContentSeat, type ContentStats } from '../../src/sim/content/content-seat.js';
import { lruFor } from '../../src/sim/lru.js';
import { systemClock } from '../../src/sim/seat-model.js';
import { SeatPlayer, type PlayerContext } from '../../src/sim/seat-player.js';
import { PollStats } from '../../src/sim/stats.js';
import { measureLoopLag } from './loop-lag.js';
import { RawPollConnection } from './raw-poll-client.js';
import { passengerPlayback, phaseOf, type ToParent, type ToWorker } from './seat-load-protocol.js';

/** PollStats that also keeps every latency of the window, so the parent can take percentiles over all shares. */
class SampledStats extends PollStats {
  #samples = new Float64Array(4096);
  #n = 0;
  override recordLatency(ms: number): void {
    super.recordLatency(ms);
    if (this.#n === this.#samples.length) {
      const grown = new Float64Array(this.#samples.length * 2);
      grown.set(this.#samples);
      this.#samples = grown;
    }
    this.#samples[this.#n++] = ms;
  }
  samples(): Float64Array {
    return this.#samples.slice(0, this.#n);
  }
  override reset(): void {
    super.reset();
    this.#n = 0;
  }
}

const send = (m: ToParent): void => void process.send!(m);
let ctx: PlayerContext | undefined;
let stats: SampledStats | undefined;
let agent: Agent | undefined;
let legacy = false;
const players: SeatPlayer[] = [];
let secret: Buffer | undefined;
let localAddress: string | undefined;
let content: { stats: ContentStats; seats: ContentSeat[]; agent: Agent; stopping: AbortController } | undefined;
let window: { lag: ReturnType<typeof measureLoopLag>; elu: ReturnType<typeof performance.eventLoopUtilization> } | undefined;

async function handle(m: ToWorker): Promise<void> {
  switch (m.type) {
    case 'init': {
      // A source address of its own per share: 20,000 seats' connections to one port would crowd one address's ephemeral ports.
      agent = new Agent({ keepAlive: true, localAddress: m.localAddress });
      stats = new SampledStats();
      legacy = m.legacyPoll;
      const pollUrl = new URL(POLL_PATH, m.controller);
      secret = Buffer.from(m.secretHex, 'hex');
      localAddress = m.localAddress;
      ctx = {
        agent,
        ...(m.rawConnections ? { transport: () => new RawPollConnection(pollUrl, m.localAddress) } : {}),
        pollUrl,
        secret: Buffer.from(m.secretHex, 'hex'),
        clock: systemClock,
        random: Math.random,
        stats,
        emit: () => undefined,
        requestTimeoutMs: m.requestTimeoutMs,
        pollIntervalMs: 1000,
      };
      return send({ type: 'ready' });
    }
    case 'add': {
      for (const { id, index } of m.seats) {
        const player = new SeatPlayer(id, lruFor(index + 1), ctx!);
        if (legacy) player.setLegacyPoll(true);
        const playback = passengerPlayback(index);
        if (playback) player.model.play(playback.item, playback.positionMs);
        players.push(player);
        // The phase of the seat's place in the whole cabin: every share together spreads as one simulator would.
        player.start(phaseOf(index));
      }
      // One connection per seat at most, as real seats would hold.
      agent!.maxSockets = agent!.maxFreeSockets = Math.max(1, players.length);
      return send({ type: 'added', seats: players.length });
    }
    case 'content': {
      if (content) throw new Error('content is already on in this seat process');
      const stats: ContentStats = { bytesReceived: 0, bytesVerified: 0, objectsVerified: 0, disconnects: 0, resumes: 0, restartsFromZero: 0, corrupt: 0, requests: 0, failures: 0 };
      // Its own agent, from the share's address: content streams never queue behind a seat's poll connection.
      const contentAgent = new Agent({ keepAlive: true, localAddress, maxSockets: Math.max(1, players.length) });
      const stopping = new AbortController();
      const pending = new Set(players.map((p) => p.seat));
      const seatCtx = {
        agent: contentAgent,
        secret: secret!,
        stats,
        disconnectsFor: (seat: string) => (pending.delete(seat) ? m.disconnects : 0),
        stopping: stopping.signal,
        now: () => Date.now(),
        maxAttempts: 20,
      };
      const libs = new Map<object, ContentSeat>();
      for (const p of players) libs.set(p.model, new ContentSeat(p.model, seatCtx));
      // A bench measures one catalog change: an older catalog's sync, resent once the seats take content, is refused.
      const wanted = (args: Record<string, unknown>) => m.only === undefined || args.catalogVersion === m.only;
      commandHandlers.set('content.sync', (seat, args) => (wanted(args) ? libs.get(seat)?.sync(args) : undefined) ?? 'rejected');
      content = { stats, seats: [...libs.values()], agent: contentAgent, stopping };
      return send({ type: 'content-on' });
    }
    case 'reset':
      stats!.reset();
      window = { lag: measureLoopLag(), elu: performance.eventLoopUtilization() };
      return send({ type: 'reset' });
    case 'report': {
      const s = stats!.snapshot();
      const lag = window?.lag.stop();
      const elu = window ? performance.eventLoopUtilization(window.elu).utilization : 0;
      window = undefined;
      return send({
        type: 'report',
        seats: players.length,
        withNonce: players.filter((p) => p.nonce !== undefined).length,
        elapsedMs: s.elapsedMs,
        sent: s.sent,
        ok: s.ok,
        errors: s.errors,
        latenciesMs: stats!.samples(),
        loopLag: lag ? { p99Ms: lag.p99Ms, maxMs: lag.maxMs } : { p99Ms: 0, maxMs: 0 },
        loopUtilization: elu,
        ...(content ? { content: { ...content.stats }, contentReady: readyByVersion(content.seats) } : {}),
      });
    }
    case 'stop':
      content?.stopping.abort();
      for (const c of content?.seats ?? []) c.stop();
      content?.agent.destroy();
      await Promise.all(players.map((p) => p.stop()));
      agent?.destroy();
      send({ type: 'stopped' });
      process.disconnect();
      return;
  }
}

function readyByVersion(seats: readonly ContentSeat[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of seats) if (s.report.state === 'ready' && s.version) out[s.version] = (out[s.version] ?? 0) + 1;
  return out;
}

process.on('message', (m: ToWorker) => {
  handle(m).catch((err: Error) => send({ type: 'error', message: err.stack ?? err.message }));
});
// An orphan would poll on forever: the parent gone is the end.
process.on('disconnect', () => process.exit(0));
