/**
 * The primitive operations a program yields. Each `yield` is one atomic step
 * of one CPU; the engine (src/model/machine.ts), not the program, applies the
 * operation to the world, so every shared access is seen before it happens.
 *
 * Every operation carries a source reference (`linux-6.6 kernel/sched/core.c
 * try_to_wake_up`) so a trace can be read beside the code it models.
 *
 * Ops are one monomorphic class: the hot loop switches on `k` and V8 keeps a
 * single hidden class for all of them.
 */

/** Operation kinds. Plain numbers (erasable syntax, no enums). */
export const K = {
  LOAD: 0,
  STORE: 1,
  RMW: 2,
  FENCE: 3,
  IRQ_SAVE: 4,
  IRQ_RESTORE: 5,
  IRQ_DISABLE: 6,
  IRQ_ENABLE: 7,
  PREEMPT_DISABLE: 8,
  PREEMPT_ENABLE: 9,
  SPIN_LOCK: 10,
  SPIN_UNLOCK: 11,
  SPIN_TRYLOCK: 12,
  READ_LOCK: 13,
  READ_UNLOCK: 14,
  WRITE_LOCK: 15,
  WRITE_UNLOCK: 16,
  WRITE_TRYLOCK: 17,
  READ_TRYLOCK: 18,
  AWAIT: 19,
  SWITCH_TO: 20,
  ASSERT: 21,
  NOP: 22,
} as const;
export type OpKind = (typeof K)[keyof typeof K];

export const OP_NAMES: readonly string[] = [
  'load',
  'store',
  'rmw',
  'fence',
  'irq_save',
  'irq_restore',
  'irq_disable',
  'irq_enable',
  'preempt_disable',
  'preempt_enable',
  'spin_lock',
  'spin_unlock',
  'spin_trylock',
  'read_lock',
  'read_unlock',
  'write_lock',
  'write_unlock',
  'write_trylock',
  'read_trylock',
  'await',
  'switch_to',
  'assert',
  'nop',
];

/** Reads the whole memory; used by blocking predicates and assertions. */
export type MemView = ArrayLike<number>;

/**
 * An assertion evaluated when its step executes: returns a violation message,
 * or null when the assertion holds. `cpu` is the executing CPU's state.
 */
export type AssertFn = (mem: MemView, cpu: CpuView) => string | null;

export interface CpuView {
  readonly id: number;
  readonly irqsOn: boolean;
  readonly preempt: number;
  readonly inIrq: boolean;
  readonly locksHeld: number;
}

export class Op {
  constructor(
    /** kind, one of K */
    readonly k: OpKind,
    /** address (memory cell, lock cell, or task id for SWITCH_TO) */
    readonly a: number,
    /** value: store value, irq flags for restore, handoff lock for SWITCH_TO, barrier kind for FENCE, the ghost cell of a snapshot LOAD */
    readonly v: number,
    /** RMW update function, AWAIT predicate or ASSERT check */
    readonly fn: ((x: number) => number) | ((m: MemView) => boolean) | AssertFn | null,
    /** extra addresses read (AWAIT, ASSERT) */
    readonly addrs: readonly number[] | null,
    /** source reference: `<system> <file> <function>` */
    readonly ref: string,
    /** what the step does, in the source's words; optional */
    readonly note: string,
    /** for AWAIT: a quiescent wait (idle loop), not a deadlock when stuck; for ASSERT: invariant name; for LOAD: SNAPSHOT */
    readonly tag: string,
  ) {}
}

/** A program: each yield is one step; the engine sends back the op's result. */
export type Program<R = void> = Generator<Op, R, number>;

const NO_ADDRS: readonly number[] = [];

export function load(addr: number, ref: string, note = ''): Op {
  return new Op(K.LOAD, addr, 0, null, null, ref, note, '');
}
/** the tag of a load that also copies what it read into a ghost cell (snapshot) */
export const SNAPSHOT = 'snapshot';
/**
 * A load that copies the value it reads into a ghost cell, in the same
 * step: the ghost records a real cell's value as this step saw it (the
 * read is in the step's footprint, as every read must be). Yields the value.
 */
export function snapshot(ghost: number, addr: number, ref: string, note = ''): Op {
  return new Op(K.LOAD, addr, ghost, null, null, ref, note, SNAPSHOT);
}
export function store(addr: number, value: number, ref: string, note = ''): Op {
  return new Op(K.STORE, addr, value, null, null, ref, note, '');
}
/** Atomic read-modify-write; yields the old value. */
export function rmw(addr: number, update: (old: number) => number, ref: string, note = ''): Op {
  return new Op(K.RMW, addr, 0, update, null, ref, note, '');
}
/**
 * Which barrier a FENCE op is (its `v`), and so what it does on x86. Under
 * the x86-TSO memory model (`--memory-model tso`) only a full barrier
 * (`smp_mb()`, `mb()`, the barrier half of `smp_store_mb`, Rust's
 * `fence(SeqCst)`: an `mfence` or a locked instruction) drains the CPU's
 * store buffer. The others are compiler barriers on x86, where TSO already
 * orders what they order: `smp_wmb()` (stores stay in order in the FIFO
 * buffer), `smp_rmb()` and `smp_acquire__after_ctrl_dep()` (loads are not
 * reordered with loads), `smp_mb__after_spinlock()` (the lock acquisition
 * before it is a locked instruction, which drained the buffer already). On
 * the sequentially consistent model no barrier does anything; every one is
 * recorded, with its kind.
 */
export const BARRIER = {
  MB: 0,
  WMB: 1,
  RMB: 2,
  MB_AFTER_SPINLOCK: 3,
  ACQUIRE_AFTER_CTRL_DEP: 4,
  /** barrier(), and smp_mb__before_atomic() / smp_mb__after_atomic() on x86 (the atomic they go with is locked): the compiler only */
  COMPILER: 5,
} as const;
export type BarrierKind = (typeof BARRIER)[keyof typeof BARRIER];

/** The kernel's name of each barrier kind. */
export const BARRIER_NAMES: readonly string[] = [
  'smp_mb',
  'smp_wmb',
  'smp_rmb',
  'smp_mb__after_spinlock',
  'smp_acquire__after_ctrl_dep',
  'barrier',
];

/**
 * A memory barrier of kind `kind` (default: full, smp_mb). What it orders
 * depends on the memory model: see BARRIER.
 */
export function fence(ref: string, note = 'smp_mb()', kind: BarrierKind = BARRIER.MB): Op {
  return new Op(K.FENCE, -1, kind, null, NO_ADDRS, ref, note, '');
}
/** local_irq_save: yields the previous flags (1 = irqs were on) and disables irqs. */
export function irqSave(ref: string, note = 'local_irq_save'): Op {
  return new Op(K.IRQ_SAVE, -1, 0, null, null, ref, note, '');
}
export function irqRestore(flags: number, ref: string, note = 'local_irq_restore'): Op {
  return new Op(K.IRQ_RESTORE, -1, flags, null, null, ref, note, '');
}
export function irqDisable(ref: string, note = 'local_irq_disable'): Op {
  return new Op(K.IRQ_DISABLE, -1, 0, null, null, ref, note, '');
}
export function irqEnable(ref: string, note = 'local_irq_enable'): Op {
  return new Op(K.IRQ_ENABLE, -1, 0, null, null, ref, note, '');
}
export function preemptDisable(ref: string, note = 'preempt_disable'): Op {
  return new Op(K.PREEMPT_DISABLE, -1, 0, null, null, ref, note, '');
}
export function preemptEnable(ref: string, note = 'preempt_enable'): Op {
  return new Op(K.PREEMPT_ENABLE, -1, 0, null, null, ref, note, '');
}
/** Blocking: enabled only when the lock is free. A spin is never a loop of steps. */
export function spinLock(lock: number, ref: string, note = ''): Op {
  return new Op(K.SPIN_LOCK, lock, 0, null, null, ref, note, '');
}
export function spinUnlock(lock: number, ref: string, note = ''): Op {
  return new Op(K.SPIN_UNLOCK, lock, 0, null, null, ref, note, '');
}
/** Yields 1 when the lock was taken, 0 when it was held by someone else. */
export function spinTrylock(lock: number, ref: string, note = ''): Op {
  return new Op(K.SPIN_TRYLOCK, lock, 0, null, null, ref, note, '');
}
export function readLock(lock: number, ref: string, note = ''): Op {
  return new Op(K.READ_LOCK, lock, 0, null, null, ref, note, '');
}
export function readUnlock(lock: number, ref: string, note = ''): Op {
  return new Op(K.READ_UNLOCK, lock, 0, null, null, ref, note, '');
}
export function writeLock(lock: number, ref: string, note = ''): Op {
  return new Op(K.WRITE_LOCK, lock, 0, null, null, ref, note, '');
}
export function writeUnlock(lock: number, ref: string, note = ''): Op {
  return new Op(K.WRITE_UNLOCK, lock, 0, null, null, ref, note, '');
}
export function writeTrylock(lock: number, ref: string, note = ''): Op {
  return new Op(K.WRITE_TRYLOCK, lock, 0, null, null, ref, note, '');
}
export function readTrylock(lock: number, ref: string, note = ''): Op {
  return new Op(K.READ_TRYLOCK, lock, 0, null, null, ref, note, '');
}
/**
 * Blocking busy-wait (`smp_cond_load_acquire`, a spin on a flag): enabled only
 * when `pred` holds over memory. `addrs` is every address `pred` reads (its
 * footprint). A `quiescent` wait is the idle loop: stuck there is not a deadlock.
 */
export function awaitCond(
  addrs: readonly number[],
  pred: (m: MemView) => boolean,
  ref: string,
  note = '',
  quiescent = false,
): Op {
  return new Op(K.AWAIT, addrs[0] ?? -1, 0, pred, addrs, ref, note, quiescent ? 'quiescent' : '');
}
/**
 * Context switch on this CPU to task `next`. The current task's program is
 * parked here and resumes (this yield returns) when some CPU switches back to
 * it. `handoffLock` is a spinlock allowed to stay held across the switch (the
 * runqueue lock, which the next task releases), or -1.
 */
export function switchTo(next: number, ref: string, handoffLock = -1, note = ''): Op {
  return new Op(K.SWITCH_TO, next, handoffLock, null, null, ref, note, '');
}
/**
 * A check the model makes at this point (BUG_ON, WARN_ON, irq state on a
 * return path). `addrs` is what `check` reads. A non-null result is a
 * violation of `invariant`.
 */
export function check(invariant: string, addrs: readonly number[], fn: AssertFn, ref: string, note = ''): Op {
  return new Op(K.ASSERT, -1, 0, fn, addrs, ref, note, invariant);
}
/** A step that touches no shared state (user-space work, a marker). */
export function nop(ref: string, note = ''): Op {
  return new Op(K.NOP, -1, 0, null, null, ref, note, '');
}
/** Ops that block until enabled. */
export function isBlocking(k: OpKind): boolean {
  return k === K.SPIN_LOCK || k === K.READ_LOCK || k === K.WRITE_LOCK || k === K.AWAIT;
}
