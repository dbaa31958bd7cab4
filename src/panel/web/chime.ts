/**
 * The attendant-call chime (high then low, as cabin chimes go) through WebAudio.
 * Browsers only allow sound after the user has touched the page, so the audio
 * context is made on the first touch; before that, the flashing banner alone
 * has to do.
 */
let ctx: AudioContext | undefined;

export function armChime(): void {
  const arm = () => {
    ctx ??= new AudioContext();
    void ctx.resume();
  };
  window.addEventListener('pointerdown', arm, { capture: true });
  window.addEventListener('keydown', arm, { capture: true });
}

function tone(c: AudioContext, freq: number, start: number, length: number): void {
  const osc = c.createOscillator();
  const gain = c.createGain();
  osc.type = 'sine';
  osc.frequency.value = freq;
  gain.gain.setValueAtTime(0.0001, start);
  gain.gain.exponentialRampToValueAtTime(0.35, start + 0.02);
  gain.gain.exponentialRampToValueAtTime(0.0001, start + length);
  osc.connect(gain).connect(c.destination);
  osc.start(start);
  osc.stop(start + length + 0.05);
}

export function chime(): void {
  if (!ctx || ctx.state !== 'running') return;
  const t = ctx.currentTime;
  tone(ctx, 1175, t, 0.6);
  tone(ctx, 880, t + 0.45, 0.9);
}
