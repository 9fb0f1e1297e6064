/**
 * Lock idioms shared by every kernel model, built from the engine's
 * primitive operations. Each idiom is the same sequence of steps the kernel
 * macro expands to (irqs off, then the spin), so an interrupt can never land
 * between "irqs off" and "lock taken", and a CPU spinning with irqs off is
 * really deaf to interrupts.
 */
import {
  irqDisable,
  irqEnable,
  irqRestore,
  irqSave,
  type Program,
  readLock,
  readUnlock,
  spinLock,
  spinUnlock,
  writeLock,
  writeUnlock,
} from '../../cpu/ops.ts';

/** spin_lock_irqsave / raw_spin_lock_irqsave: returns the saved flags. */
export function* spinLockIrqsave(lock: number, ref: string, what = 'spin_lock_irqsave'): Program<number> {
  const flags: number = yield irqSave(ref, `${what}: local_irq_save`);
  yield spinLock(lock, ref, what);
  return flags;
}

/** spin_unlock_irqrestore. */
export function* spinUnlockIrqrestore(lock: number, flags: number, ref: string, what = 'spin_unlock_irqrestore'): Program<void> {
  yield spinUnlock(lock, ref, what);
  yield irqRestore(flags, ref, `${what}: local_irq_restore`);
}

/** spin_lock_irq: irqs off unconditionally (the caller knows they were on). */
export function* spinLockIrq(lock: number, ref: string, what = 'spin_lock_irq'): Program<void> {
  yield irqDisable(ref, `${what}: local_irq_disable`);
  yield spinLock(lock, ref, what);
}

/** spin_unlock_irq: irqs back on unconditionally. */
export function* spinUnlockIrq(lock: number, ref: string, what = 'spin_unlock_irq'): Program<void> {
  yield spinUnlock(lock, ref, what);
  yield irqEnable(ref, `${what}: local_irq_enable`);
}

/** write_lock_irq (tasklist_lock). */
export function* writeLockIrq(lock: number, ref: string, what = 'write_lock_irq'): Program<void> {
  yield irqDisable(ref, `${what}: local_irq_disable`);
  yield writeLock(lock, ref, what);
}

export function* writeUnlockIrq(lock: number, ref: string, what = 'write_unlock_irq'): Program<void> {
  yield writeUnlock(lock, ref, what);
  yield irqEnable(ref, `${what}: local_irq_enable`);
}

/** read_lock / read_unlock (tasklist_lock readers do not disable irqs). */
export function* readLockPlain(lock: number, ref: string, what = 'read_lock'): Program<void> {
  yield readLock(lock, ref, what);
}

export function* readUnlockPlain(lock: number, ref: string, what = 'read_unlock'): Program<void> {
  yield readUnlock(lock, ref, what);
}
