/**
 * A deliberately small scheduler for the engine demos and for models of
 * kernels we do not ship: per-CPU runqueues, schedule() that dequeues a
 * task whose state is no longer RUNNING, a wake_up() that checks the state
 * under the runqueue lock, and an optional tick that preempts the running
 * task when another is queued on its CPU (so "preempted in the middle of
 * unlock()" needs no second CPU). `waitEvent(me, ctx, cond)` is the whole
 * sleep of a foreign kernel's wait in one line: mark sleeping, test the
 * condition, schedule(), until it holds; `noLostWakeup()` checks that no
 * task sleeps at the end while the condition it waits for holds. It has
 * the shape of Linux's (the state is read under rq->lock in schedule, the
 * waker's state check is under a lock, the runqueue lock is handed over
 * across switch_to) but none of its detail: no pi_lock, no on_cpu
 * hand-off, no migration (a task always runs on the CPU it was placed on).
 * src/kernel/linux is the real one.
 */
import { enumFormatter } from '../../cpu/memory.ts';
import {
  awaitCond,
  fence,
  irqDisable,
  irqEnable,
  irqRestore,
  irqSave,
  load,
  nop,
  type Program,
  rmw,
  spinLock,
  spinUnlock,
  store,
  switchTo,
} from '../../cpu/ops.ts';
import type { ModelBuilder } from '../../model/build.ts';
import type { TaskContext } from '../../model/types.ts';
import { popcount } from '../common/bits.ts';

const REF = 'demo toy-sched';

export const TASK_RUNNING = 0;
export const TASK_UNINTERRUPTIBLE = 2;
export const TASK_DEAD = 0x80;
const stateFmt = enumFormatter({ 0: 'TASK_RUNNING', 2: 'TASK_UNINTERRUPTIBLE', 128: 'TASK_DEAD' });

export interface ToyTask {
  readonly id: number;
  readonly name: string;
  readonly cpu: number;
  readonly state: number;
  readonly onRq: number;
  /** ghost: 1 + the condition it sleeps for in waitEvent, or 0 */
  readonly waitsFor: number;
}

/** A condition a task waits for: one cell's value passes `holds` (ToyKernel.condition). */
export interface ToyCondition {
  readonly id: number;
  readonly cell: number;
  readonly holds: (value: number) => boolean;
  /** the condition in words (`ready == 1`) */
  readonly what: string;
}

export interface ToyOptions {
  /** ticks each CPU may take (preemption of the running task; a bound of the search) */
  readonly ticks?: number;
}

interface ToyRq {
  readonly lock: number;
  readonly queue: number;
  readonly idle: number;
}

export type TaskBody = (k: ToyKernel, me: ToyTask, ctx: TaskContext) => Program<void>;

export class ToyKernel {
  private readonly rqs: ToyRq[] = [];
  private readonly byId: ToyTask[] = [];
  private readonly pending: { name: string; cpu: number; body: TaskBody }[] = [];
  private readonly conditions: ToyCondition[] = [];

  constructor(
    private readonly b: ModelBuilder,
    readonly opts: ToyOptions = {},
  ) {}

  /** A condition tasks can wait for with waitEvent: `cell`'s value passes `holds`. */
  condition(cell: number, holds: (value: number) => boolean, what: string): ToyCondition {
    const c = { id: this.conditions.length, cell, holds, what };
    this.conditions.push(c);
    return c;
  }

  /** Declares a task that runs `body` then exits, placed on CPU `cpu mod cpus`. Returns its handle. */
  spawn(name: string, cpu: number, body: TaskBody): ToyTask {
    const id = this.pending.length;
    const placed = cpu % this.b.cpus;
    const t: ToyTask = {
      id,
      name,
      cpu: placed,
      state: this.b.layout.cell(`${name}.state`, TASK_RUNNING, stateFmt),
      onRq: this.b.layout.cell(`${name}.on_rq`, 1),
      waitsFor: this.b.layout.ghost(`${name}.ghost.waits_for`, 0, (v) =>
        v === 0 ? '-' : (this.conditions[v - 1]?.what ?? String(v)),
      ),
    };
    this.byId.push(t);
    this.pending.push({ name, cpu: placed, body });
    return t;
  }

  /**
   * Adds the tasks to the model: on each CPU the first task spawned there is
   * current at time 0, the others wait on that CPU's runqueue; every CPU gets
   * an idle task.
   */
  finish(): void {
    const b = this.b;
    const n = this.pending.length;
    const firstOn = new Map<number, number>();
    this.pending.forEach((p, i) => {
      if (!firstOn.has(p.cpu)) firstOn.set(p.cpu, i);
    });
    for (let c = 0; c < b.cpus; c++) {
      let queue = 0;
      this.pending.forEach((p, i) => {
        if (p.cpu === c) queue |= 1 << i;
      });
      this.rqs.push({
        lock: b.layout.spinlock(`rq${c}.lock`),
        queue: b.layout.cell(`rq${c}.queue`, queue, (v) => this.taskSet(v)),
        idle: n + c,
      });
    }
    this.pending.forEach((p, i) => {
      const me = this.byId[i] as ToyTask;
      const current = firstOn.get(p.cpu) === i;
      const k = this;
      b.task({
        name: p.name,
        startCpu: current ? p.cpu : -1,
        program: function* (ctx) {
          if (!current) yield* k.finishTaskSwitch(ctx);
          yield* p.body(k, me, ctx);
          yield* k.doExit(me, ctx);
        },
      });
    });
    for (let c = 0; c < b.cpus; c++) {
      const rq = this.rqs[c] as ToyRq;
      const k = this;
      b.task({
        name: `idle${c}`,
        startCpu: firstOn.has(c) ? -1 : c,
        idle: true,
        program: function* (ctx) {
          if (firstOn.has(c)) yield* k.finishTaskSwitch(ctx);
          for (;;) {
            yield awaitCond([rq.queue], (m) => m[rq.queue] !== 0, `${REF} do_idle`, 'wait for a runnable task', true);
            yield* k.schedule(null, ctx);
          }
        },
      });
    }
    const ticks = this.opts.ticks ?? 0;
    for (let c = 0; c < b.cpus && ticks > 0; c++) {
      const rq = this.rqs[c] as ToyRq;
      b.irq({
        name: `tick@cpu${c}`,
        cpu: c,
        budget: ticks,
        preemptible: true,
        reads: [rq.queue],
        // the running task stays queued: a tick matters only when another task waits for this CPU
        enabled: (m) => popcount(m[rq.queue] as number) > 1,
        handler: (ctx) =>
          this.schedule(ctx.self < n ? (this.byId[ctx.self] as ToyTask) : null, ctx, 'tick: preempt the running task'),
      });
    }
  }

  /**
   * The whole sleep of a wait: mark sleeping, test the condition (one load
   * of its cell), schedule() until it holds, then running again — the
   * set-state / test / schedule loop of every kernel, in one call.
   */
  *waitEvent(me: ToyTask, ctx: TaskContext, cond: ToyCondition): Program<void> {
    const W = `${REF} wait_event`;
    for (;;) {
      yield store(me.state, TASK_UNINTERRUPTIBLE, W, 'set_current_state(TASK_UNINTERRUPTIBLE)');
      yield fence(W, 'smp_mb(): the state store before the test');
      const v: number = yield load(cond.cell, W, `if (${cond.what}) break`);
      if (cond.holds(v)) break;
      ctx.ghost.set(me.waitsFor, cond.id + 1);
      yield* this.schedule(me, ctx);
      ctx.ghost.set(me.waitsFor, 0);
    }
    yield store(me.state, TASK_RUNNING, W, '__set_current_state(TASK_RUNNING)');
  }

  /** no-lost-wakeup: no task sleeps at the end, off its runqueue, while the condition it waits for holds. */
  noLostWakeup(): void {
    this.b.atEnd({
      name: 'no-lost-wakeup',
      check: (w) => {
        for (const t of this.byId) {
          const c = this.conditions[(w.mem[t.waitsFor] as number) - 1];
          if (c === undefined || w.mem[t.onRq] !== 0 || !c.holds(w.mem[c.cell] as number)) continue;
          return `${t.name} sleeps although ${c.what}, and no task is left to wake it`;
        }
        return null;
      },
    });
  }

  private taskSet(v: number): string {
    const names: string[] = [];
    this.byId.forEach((t) => {
      if (v & (1 << t.id)) names.push(t.name);
    });
    return `{${names.join(',')}}`;
  }

  task(id: number): ToyTask {
    const t = this.byId[id];
    if (!t) throw new Error(`no task ${id}`);
    return t;
  }

  /** After a switch_to lands in a task: release the runqueue lock the previous task held across it. */
  *finishTaskSwitch(ctx: TaskContext): Program<void> {
    const rq = this.rqs[ctx.cpu()] as ToyRq;
    yield spinUnlock(rq.lock, `${REF} finish_task_switch`, 'rq_unlock');
    yield irqEnable(`${REF} finish_task_switch`);
  }

  /** schedule(): dequeue prev if it is no longer RUNNING, pick the next queued task (lowest id first), switch. */
  *schedule(me: ToyTask | null, ctx: TaskContext, why = ''): Program<void> {
    const rq = this.rqs[ctx.cpu()] as ToyRq;
    const REFS = `${REF} schedule`;
    if (why) yield nop(`${REF} tick`, why);
    yield irqDisable(REFS);
    yield spinLock(rq.lock, REFS, 'rq_lock');
    let stillQueued = false;
    if (me !== null) {
      const prevState: number = yield load(me.state, REFS, 'prev_state = prev->state');
      if (prevState !== TASK_RUNNING) {
        yield store(me.onRq, 0, REFS, 'deactivate_task: on_rq = 0');
        const bit = 1 << me.id;
        yield rmw(rq.queue, (q) => q & ~bit, REFS, 'deactivate_task: dequeue');
      } else stillQueued = true;
    }
    const queue: number = yield load(rq.queue, REFS, 'pick_next_task');
    let next = rq.idle;
    for (let i = 0; i < 31; i++) {
      if (queue & (1 << i) && i !== me?.id) {
        next = i;
        break;
      }
    }
    if (next === rq.idle && stillQueued && me !== null) next = me.id;
    if (next !== ctx.self) yield switchTo(next, REFS, rq.lock, 'context_switch');
    yield* this.finishTaskSwitch(ctx);
  }

  /** wake_up_process(p): under p's runqueue lock, RUNNING and enqueued if it was sleeping. */
  *wakeUp(p: ToyTask): Program<boolean> {
    const REFW = `${REF} wake_up_process`;
    const rq = this.rqs[p.cpu] as ToyRq;
    const flags: number = yield irqSave(REFW);
    yield spinLock(rq.lock, REFW, 'rq_lock(task_rq(p))');
    const st: number = yield load(p.state, REFW, 'if (!(p->state & state)) goto out');
    let woke = false;
    if (st === TASK_UNINTERRUPTIBLE) {
      yield store(p.state, TASK_RUNNING, REFW, 'p->state = TASK_RUNNING');
      const onRq: number = yield load(p.onRq, REFW, 'if (!p->on_rq)');
      if (!onRq) {
        yield store(p.onRq, 1, REFW, 'activate_task: on_rq = 1');
        const bit = 1 << p.id;
        yield rmw(rq.queue, (q) => q | bit, REFW, 'activate_task: enqueue');
      }
      woke = true;
    }
    yield spinUnlock(rq.lock, REFW, 'rq_unlock');
    yield irqRestore(flags, REFW);
    return woke;
  }

  /** do_exit(): the task is dead; schedule() away for good. */
  *doExit(me: ToyTask, ctx: TaskContext): Program<void> {
    yield store(me.state, TASK_DEAD, `${REF} do_exit`, 'current->state = TASK_DEAD');
    yield* this.schedule(me, ctx);
  }
}
