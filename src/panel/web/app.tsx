import { memo } from 'preact/compat';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { CabinDialogs, type CabinDialog } from './action-dialogs.js';
import { AlertsPanel } from './alerts-panel.js';
import { CabinActions } from './cabin-actions.js';
import { ContentDrives } from './content-drives.js';
import { Deliveries } from './deliveries.js';
import { Legend } from './legend.js';
import { LoginDialog } from './login-dialog.js';
import { SafetyPanel } from './safety.js';
import { SeatDetail } from './seat-detail.js';
import { seatLook, seatStates, type Tone } from './seat-look.js';
import { SeatMap } from './seat-map.js';
import { SystemsButton, SystemsDialog } from './systems.js';
import { callsBySeat } from './state.js';
import { usePanelState } from './store.js';
import { useNow } from './time.js';
import { FlightStatus } from './flight-status.js';
import { TopBar } from './top-bar.js';
import { useAct } from './use-act.js';

/** The map does not need the clock's tick: it redraws only when seats or calls change. */
const CabinMap = memo(SeatMap);

export function App() {
  const s = usePanelState();
  const act = useAct();
  const now = useNow(s.clockOffsetMs);
  const [seat, setSeat] = useState<string | null>(null);
  const [dialog, setDialog] = useState<CabinDialog | null>(null);
  const [systems, setSystems] = useState(false);
  // A system alert (a halted rollout) has no seat: tapping it opens Systems.
  const openSeat = useCallback((id: string) => (id ? setSeat(id) : setSystems(true)), []);
  const calls = useMemo(() => callsBySeat(s.alerts), [s.alerts]);

  const { counts, online, paSeats } = useMemo(() => {
    const counts = new Map<Tone, number>();
    let online = 0;
    let paSeats = 0;
    for (const r of s.layout?.rows ?? []) {
      for (const letter of r.places) {
        if (!letter) continue;
        const id = `${r.row}${letter}`;
        const sum = s.seats.get(id);
        for (const t of seatStates(sum, seatLook(id, sum, calls.has(id)).tone)) counts.set(t, (counts.get(t) ?? 0) + 1);
        if (sum?.status === 'online') online++;
        if (sum?.status === 'online' && sum.media === 'pa') paSeats++;
      }
    }
    return { counts, online, paSeats };
  }, [s.layout, s.seats, calls]);

  // Where cabin state needs a session, a page nobody is logged in on asks for the PIN at once.
  useEffect(() => {
    if (s.locked && !s.session?.session && !act.login) act.askLogin({ note: 'Log in to see the cabin.' });
  }, [s.locked, s.session, act.login]);

  if (!s.layout) {
    return (
      <div class="splash" role="status">
        <h1>Purser</h1>
        <p>{s.conn === 'connecting' ? 'Connecting to the cabin controller…' : 'Waiting for the cabin controller…'}</p>
      </div>
    );
  }

  const session = s.session?.session ?? null;
  // After a restart the panel may not know who started a PA; seats playing PA with no automatic source means it is the crew's.
  const paOn = s.manualPa.on || (paSeats > 0 && !s.pa);
  const stale = s.conn !== 'live';
  return (
    <div class={`app${stale ? ' stale' : ''}`}>
      <TopBar conn={s.conn} online={online} total={s.layout.seats} alerts={s.alerts} pa={s.pa} paSeats={paSeats} session={session} now={now} onLogin={() => act.askLogin()} onLogout={act.logout} onSeat={openSeat}>
        <FlightStatus entities={s.entities} />
        <SystemsButton entities={s.entities} onOpen={() => setSystems(true)} />
      </TopBar>
      {stale && (
        <div class="reconnecting" role="alert" data-testid="reconnecting">
          Lost the connection to the cabin controller. Reconnecting… The map shows the last known state.
        </div>
      )}
      <main class="body">
        <CabinMap layout={s.layout} seats={s.seats} calls={calls} onOpen={openSeat} />
        <aside class="side">
          <AlertsPanel alerts={s.alerts} now={now} act={act} onSeat={openSeat} />
          <ContentDrives entities={s.entities} now={now} />
          <CabinActions paOn={paOn} paGroup={s.cabinPaGroup} act={act} open={setDialog} />
          <SafetyPanel entities={s.entities} paSeats={paSeats} act={act} />
          <Deliveries commands={s.commands} now={now} seats={s.seats} layout={s.layout} />
        </aside>
      </main>
      <Legend counts={counts} />
      {seat && (
        <SeatDetail
          id={seat}
          summary={s.seats.get(seat)}
          alerts={[...s.alerts.values()].filter((a) => a.seat === seat)}
          commands={[...s.commands.values()].filter((c) => 'seats' in c.target && c.target.seats.includes(seat)).sort((a, b) => b.seq - a.seq)}
          allCommands={[...s.commands.values(), ...s.standing.values()]}
          layout={s.layout}
          recent={s.recent}
          role={session?.role ?? null}
          now={now}
          act={act}
          onClose={() => setSeat(null)}
        />
      )}
      {systems && <SystemsDialog entities={s.entities} now={now} onClose={() => setSystems(false)} />}
      {dialog && <CabinDialogs which={dialog} layout={s.layout} seats={s.seats} commands={[...s.commands.values(), ...s.standing.values()]} act={act} onClose={() => setDialog(null)} />}
      {act.login && <LoginDialog req={act.login} roles={s.session?.roles ?? { crew: false, technician: false }} onDone={act.loggedIn} onClose={act.closeLogin} />}
      {act.toast && (
        <div class="toast" role="alert">
          {act.toast}
        </div>
      )}
    </div>
  );
}
