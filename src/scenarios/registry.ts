import type { ScenarioDef } from '../model/scenario.ts';

/**
 * Every built-in scenario by name, in the order `list` and `check` show
 * them, each with the module that defines it. A command loads only the
 * modules it needs (`check demo/lost-wakeup` loads one, not every kernel
 * model); `index.ts` loads them all for the tests and the bench.
 */
const BUILTINS: readonly (readonly [string, () => Promise<ScenarioDef>])[] = [
  ['demo/lost-wakeup', async () => (await import('./demo/lost-wakeup.ts')).default],
  ['demo/abba-deadlock', async () => (await import('./demo/abba-deadlock.ts')).default],
  ['demo/foreign-lock', async () => (await import('./demo/foreign-lock.ts')).default],
  ['demo/publish', async () => (await import('./demo/publish.ts')).default],
  ['linux/sleep-wake', async () => (await import('./linux/sleep-wake.ts')).default],
  ['linux/stop-cont', async () => (await import('./linux/stop-cont.ts')).default],
  ['linux/kill-sleeping', async () => (await import('./linux/kill-sleeping.ts')).default],
  ['linux/wait-event', async () => (await import('./linux/wait-event.ts')).default],
  ['linux/gdb-traceme', async () => (await import('./linux/gdb-traceme.ts')).default],
  ['linux/attach-detach', async () => (await import('./linux/attach-detach.ts')).default],
  ['linux/seize-interrupt-listen', async () => (await import('./linux/seize-interrupt-listen.ts')).default],
  ['linux/seize-detach', async () => (await import('./linux/seize-detach.ts')).default],
  ['linux/tracer-exit', async () => (await import('./linux/tracer-exit.ts')).default],
  ['linux/resume-vs-wait', async () => (await import('./linux/resume-vs-wait.ts')).default],
  ['linux/kill-traced', async () => (await import('./linux/kill-traced.ts')).default],
  ['linux/mutex', async () => (await import('./linux/mutex.ts')).default],
  ['linux/exclusive-wait', async () => (await import('./linux/exclusive-wait.ts')).default],
  ['linux/exclusive-order', async () => (await import('./linux/exclusive-order.ts')).default],
  ['linux/wait-on-bit', async () => (await import('./linux/wait-on-bit.ts')).default],
  ['linux/group-stop', async () => (await import('./linux/group-stop.ts')).default],
  ['linux/stop-parent-exits', async () => (await import('./linux/stop-parent-exits.ts')).default],
  ['linux/exec-kills-threads', async () => (await import('./linux/exec-kills-threads.ts')).default],
  ['linux/exec-zap', async () => (await import('./linux/exec-zap.ts')).default],
  ['linux/thread-tracer', async () => (await import('./linux/thread-tracer.ts')).default],
  ['linux/sigprocmask', async () => (await import('./linux/sigprocmask.ts')).default],
  ['linux/task-work', async () => (await import('./linux/task-work.ts')).default],
  ['linux/wake-list', async () => (await import('./linux/wake-list.ts')).default],
  ['linux/thread-signal', async () => (await import('./linux/thread-signal.ts')).default],
  ['linux/tkill-blocked', async () => (await import('./linux/tkill-blocked.ts')).default],
  ['linux/thread-signal-traced', async () => (await import('./linux/thread-signal-traced.ts')).default],
  ['linux/kill-stopped', async () => (await import('./linux/kill-stopped.ts')).default],
  ['linux/kill-ptrace-stop', async () => (await import('./linux/kill-ptrace-stop.ts')).default],
  ['linux/signal-user', async () => (await import('./linux/signal-user.ts')).default],
  ['linux/wake-migrate', async () => (await import('./linux/wake-migrate.ts')).default],
  ['linux/interrupt-attached', async () => (await import('./linux/interrupt-attached.ts')).default],
  ['linux/two-reapers', async () => (await import('./linux/two-reapers.ts')).default],
  ['linux/wait-options', async () => (await import('./linux/wait-options.ts')).default],
  ['linux/wait-two-continued', async () => (await import('./linux/wait-two-continued.ts')).default],
  ['linux/wait-signal', async () => (await import('./linux/wait-signal.ts')).default],
  ['linux/wait-threads', async () => (await import('./linux/wait-threads.ts')).default],
  ['linux/thread-exit', async () => (await import('./linux/thread-exit.ts')).default],
  ['linux/attach-stopped', async () => (await import('./linux/attach-stopped.ts')).default],
  ['linux/kill-exec-stop', async () => (await import('./linux/kill-exec-stop.ts')).default],
  ['linux/ptrace-refusals', async () => (await import('./linux/ptrace-refusals.ts')).default],
  ['linux/listen-refusal', async () => (await import('./linux/listen-refusal.ts')).default],
  ['linux/traced-group-stop', async () => (await import('./linux/traced-group-stop.ts')).default],
  ['linux/detach-group-stop', async () => (await import('./linux/detach-group-stop.ts')).default],
  ['linux/detach-ignored-child', async () => (await import('./linux/detach-ignored-child.ts')).default],
  ['linux/attach-own-thread', async () => (await import('./linux/attach-own-thread.ts')).default],
  ['linux/exec-event-tracer-exit', async () => (await import('./linux/exec-event-tracer-exit.ts')).default],
  ['linux/attach-stopped-returns', async () => (await import('./linux/attach-stopped-returns.ts')).default],
  ['linux/traced-ignored-signal', async () => (await import('./linux/traced-ignored-signal.ts')).default],
  ['linux/traced-suppressed-signal', async () => (await import('./linux/traced-suppressed-signal.ts')).default],
  ['linux/wait-nothing-to-report', async () => (await import('./linux/wait-nothing-to-report.ts')).default],
  ['dragonos/c1-siginfo-trylock', async () => (await import('./dragonos/c1-siginfo-trylock.ts')).default],
  ['dragonos/c2-irq-enable', async () => (await import('./dragonos/c2-irq-enable.ts')).default],
  ['dragonos/c3-detach-wakeup', async () => (await import('./dragonos/c3-detach-wakeup.ts')).default],
  ['dragonos/c4-mark-stop-vs-sigcont', async () => (await import('./dragonos/c4-mark-stop-vs-sigcont.ts')).default],
  ['dragonos/two-wakers', async () => (await import('./dragonos/two-wakers.ts')).default],
  ['dragonos/signal-to-sleeper', async () => (await import('./dragonos/signal-to-sleeper.ts')).default],
  ['dragonos/ptrace-not-tracer', async () => (await import('./dragonos/ptrace-not-tracer.ts')).default],
  ['dragonos/tracer-injects-stop', async () => (await import('./dragonos/tracer-injects-stop.ts')).default],
  ['dragonos/ignored-signal-to-tracee', async () => (await import('./dragonos/ignored-signal-to-tracee.ts')).default],
  ['dragonos/signal-to-stopping', async () => (await import('./dragonos/signal-to-stopping.ts')).default],
  ['dragonos/sigkill-to-sleeper', async () => (await import('./dragonos/sigkill-to-sleeper.ts')).default],
  ['dragonos/blocked-signal-to-sleeper', async () => (await import('./dragonos/blocked-signal-to-sleeper.ts')).default],
  ['redox/syscall-pairing', async () => (await import('./redox/syscall-pairing.ts')).default],
  ['redox/breakpoint-cont', async () => (await import('./redox/breakpoint-cont.ts')).default],
  ['redox/breakpoint-cont-2rounds', async () => (await import('./redox/breakpoint-cont.ts')).breakpointCont2Rounds],
  ['redox/clone-event', async () => (await import('./redox/clone-event.ts')).default],
  ['redox/clone-traced', async () => (await import('./redox/clone-traced.ts')).default],
  ['redox/tracee-exit', async () => (await import('./redox/tracee-exit.ts')).default],
  ['redox/wait-again', async () => (await import('./redox/wait-again.ts')).default],
  ['redox/kill-self', async () => (await import('./redox/kill-self.ts')).default],
  ['redox/yield-round-robin', async () => (await import('./redox/yield-round-robin.ts')).default],
  ['selfptrace/parent-exit', async () => (await import('./selfptrace/parent-exit.ts')).default],
  ['selfptrace/signal-between', async () => (await import('./selfptrace/signal-between.ts')).default],
  ['selfptrace/self-off', async () => (await import('./selfptrace/self-off.ts')).default],
  ['selfptrace/intercept-twice', async () => (await import('./selfptrace/intercept-twice.ts')).default],
  ['litmus/SB', async () => (await import('./litmus/classic.ts')).SB],
  ['litmus/MP', async () => (await import('./litmus/classic.ts')).MP],
  ['litmus/LB', async () => (await import('./litmus/classic.ts')).LB],
  ['litmus/R', async () => (await import('./litmus/classic.ts')).Rshape],
  ['litmus/2+2W', async () => (await import('./litmus/classic.ts')).TwoPlusTwoW],
  ['litmus/RWC', async () => (await import('./litmus/classic.ts')).RWC],
  ['litmus/WRC', async () => (await import('./litmus/classic.ts')).WRC],
  ['litmus/IRIW', async () => (await import('./litmus/classic.ts')).IRIW],
  ['litmus/S', async () => (await import('./litmus/classic.ts')).S],
  ['litmus/ISA2', async () => (await import('./litmus/classic.ts')).ISA2],
  ['bench/locked-counter', async () => (await import('./bench/locked-counter.ts')).default],
  ['bench/sleep-wake', async () => (await import('./bench/sleep-wake.ts')).default],
];

/** The built-in scenarios' names, in table order. */
export const BUILTIN_NAMES: readonly string[] = BUILTINS.map(([n]) => n);

/** The built-in scenario of that name (undefined when there is none); loads its module. */
export async function loadBuiltin(name: string): Promise<ScenarioDef | undefined> {
  const entry = BUILTINS.find(([n]) => n === name);
  if (entry === undefined) return undefined;
  const s = await entry[1]();
  if (s.name !== name) throw new Error(`built-in scenario ${name}: its module defines ${s.name}`);
  return s;
}

/** Every built-in scenario, in table order. */
export async function loadBuiltins(names: readonly string[] = BUILTIN_NAMES): Promise<ScenarioDef[]> {
  return Promise.all(names.map(async (n) => (await loadBuiltin(n)) as ScenarioDef));
}
