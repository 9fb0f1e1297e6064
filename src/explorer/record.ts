import { enablePatches, type Patch, produceWithPatches, setAutoFreeze } from 'immer';
import { SB_ENTRY } from '../cpu/cpu.ts';
import { BARRIER, BARRIER_NAMES, K, OP_NAMES, type Op, SNAPSHOT } from '../cpu/ops.ts';
import type { Machine, StepInfo, StepObserver } from '../model/machine.ts';
import type { TraceStep, WorldView } from './trace.ts';

enablePatches();
setAutoFreeze(false);

/** Label of a choice in a schedule: `cpuN`, `irq:<source name>` or (x86-TSO) `drain:cpuN`. */
export function choiceLabel(m: Machine, choice: number): string {
  if (choice < m.cpuCount) return `cpu${choice}`;
  const d = m.drainCpuOf(choice);
  if (d >= 0) return `drain:cpu${d}`;
  const src = m.def.irqs[choice - m.cpuCount];
  if (!src) throw new Error(`choice ${choice} does not exist`);
  return `irq:${src.name}`;
}

/** The choice a label names, or -1. */
export function choiceOf(m: Machine, label: string): number {
  const cpu = /^cpu(\d+)$/.exec(label);
  if (cpu) {
    const c = Number(cpu[1]);
    return c < m.cpuCount ? c : -1;
  }
  if (label.startsWith('irq:')) {
    const i = m.def.irqs.findIndex((s) => s.name === label.slice(4));
    return i < 0 ? -1 : m.cpuCount + i;
  }
  const drain = /^drain:cpu(\d+)$/.exec(label);
  if (drain && m.tso) {
    const c = Number(drain[1]);
    return c < m.cpuCount ? m.drainBase + c : -1;
  }
  return -1;
}

/** A store-buffer entry as a reader sees it: `cell ← value`. */
function entryText(m: Machine, sb: readonly number[], i: number): string {
  return `${m.layout.name(sb[i] as number)} ← ${m.layout.format(sb[i] as number, sb[i + 1] as number)}`;
}

/** A CPU's store buffer as a reader sees it, oldest entry first ('' when empty). */
export function bufferText(m: Machine, cpu: number): string {
  const sb = m.storeBuffer(cpu);
  const out: string[] = [];
  for (let i = 0; i < sb.length; i += SB_ENTRY) out.push(entryText(m, sb, i));
  return out.join('; ');
}

/** The world as a reader sees it: every cell formatted, every CPU and task placed. */
export function worldView(m: Machine): WorldView {
  const cells: Record<string, string> = {};
  m.layout.all().forEach((c, a) => {
    cells[c.name] = c.fmt(m.mem[a] as number);
  });
  const cpus: WorldView['cpus'] = {};
  for (const c of m.cpus) {
    cpus[`CPU${c.id}`] = {
      task: c.current >= 0 ? m.taskName(c.current) : '-',
      irqs: c.irqsOn ? 'on' : 'off',
      preempt: c.preempt,
      // x86-TSO only: the stores waiting in the CPU's buffer, oldest first
      ...(m.tso ? { buffer: bufferText(m, c.id) } : {}),
    };
  }
  const tasks: Record<string, string> = {};
  for (let t = 0; t < m.taskCount; t++) {
    const cpu = m.taskCpu(t);
    tasks[m.taskName(t)] = m.taskDone(t)
      ? 'exited'
      : cpu >= 0
        ? `running on CPU${cpu}`
        : m.taskStarted(t)
          ? 'parked'
          : 'not started';
  }
  return { cells, cpus, tasks };
}

/**
 * Records each step of a replayed execution: who ran what, the values
 * involved, and what changed in the world view (immer patches). Used only
 * when a trace is written or replayed, never in the search loop.
 */
export class Recorder implements StepObserver {
  readonly steps: TraceStep[] = [];
  readonly initial: WorldView;
  private view: WorldView;
  private memBefore: Int32Array;
  private lastChoice = -1;
  private lastStillEnabled = false;
  contextSwitches = 0;
  preemptions = 0;

  constructor(m: Machine) {
    this.initial = worldView(m);
    this.view = this.initial;
    this.memBefore = m.mem.slice();
  }

  before(m: Machine, choice: number): void {
    this.memBefore = m.mem.slice();
    // A switch between CPUs in the schedule; a preemption when the CPU left could have gone on.
    if (this.lastChoice >= 0 && choice !== this.lastChoice) {
      this.contextSwitches++;
      if (this.lastStillEnabled) this.preemptions++;
    }
  }

  after(m: Machine, info: StepInfo): void {
    const next = worldView(m);
    const [, patches] = produceWithPatches(this.view, (draft) => {
      assignChanged(draft as unknown as Record<string, unknown>, next as unknown as Record<string, unknown>);
    });
    this.view = next;
    const op = info.op;
    if (info.drain) {
      // the drained store's own words and source line: where the store came from
      const store = m.siteOp(info.drained[2] as number);
      this.steps.push({
        step: this.steps.length + 1,
        choice: choiceLabel(m, info.choice),
        cpu: info.cpu,
        task: m.taskName(info.task),
        kind: 'drain',
        what: `drain: ${store.note || OP_NAMES[store.k] || 'store'}`,
        detail: `${entryText(m, info.drained, 0)} reaches memory from CPU${info.cpu}'s store buffer`,
        ref: store.ref,
        changes: patches as Patch[],
      });
    } else {
      this.steps.push({
        step: this.steps.length + 1,
        choice: choiceLabel(m, info.choice),
        cpu: info.cpu,
        task: m.taskName(info.task),
        kind: op ? (OP_NAMES[op.k] ?? '?') : 'irq',
        what: op ? op.note || (OP_NAMES[op.k] ?? '?') : `interrupt: ${m.def.irqs[info.irq]?.name ?? '?'}`,
        detail: op ? describe(m, op, info, this.memBefore) : `${m.def.irqs[info.irq]?.name ?? '?'} handler starts`,
        ref: op ? op.ref : 'interrupt entry',
        changes: patches as Patch[],
      });
    }
    this.lastChoice = info.choice;
    this.lastStillEnabled = m.isEnabled(info.choice);
  }
}

/** Copies `src` into the draft field by field, so that immer records only real changes. */
function assignChanged(draft: Record<string, unknown>, src: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(src)) {
    const d = draft[k];
    if (typeof v === 'object' && v !== null && typeof d === 'object' && d !== null) {
      assignChanged(d as Record<string, unknown>, v as Record<string, unknown>);
    } else if (d !== v) {
      draft[k] = v;
    }
  }
}

function describe(m: Machine, op: Op, info: StepInfo, before: Int32Array): string {
  const L = m.layout;
  const name = op.a >= 0 && op.a < L.size ? L.name(op.a) : '';
  const now = (a: number) => L.format(a, m.mem[a] as number);
  const was = (a: number) => L.format(a, before[a] as number);
  const intoBuffer = ` (into CPU${info.cpu}'s store buffer)`;
  switch (op.k) {
    case K.LOAD:
      return `${name} → ${L.format(op.a, info.result)}${info.forwarded ? ` (from CPU${info.cpu}'s store buffer)` : ''}${op.tag === SNAPSHOT ? `; ${L.name(op.v)} ← ${now(op.v)}` : ''}`;
    case K.STORE:
      return `${name} ← ${L.format(op.a, op.v)}${m.tso ? intoBuffer : ''}`;
    case K.FENCE:
      if (!m.tso) return '';
      return op.v === BARRIER.MB
        ? `CPU${info.cpu}'s store buffer is empty: later loads see memory`
        : `${BARRIER_NAMES[op.v] ?? 'barrier'}: a compiler barrier on x86 (TSO orders this already), nothing drains`;
    case K.RMW:
      return `${name}: ${was(op.a)} → ${now(op.a)}`;
    case K.SPIN_LOCK:
    case K.READ_LOCK:
    case K.WRITE_LOCK:
      return `${name}: ${was(op.a)} → ${now(op.a)}`;
    case K.SPIN_UNLOCK:
    case K.READ_UNLOCK:
    case K.WRITE_UNLOCK:
      // a release store under x86-TSO: into the buffer, memory unchanged
      if (m.tso && before[op.a] === m.mem[op.a] && op.k !== K.READ_UNLOCK) return `${name} ← ${L.format(op.a, 0)}${intoBuffer}`;
      return `${name}: ${was(op.a)} → ${now(op.a)}`;
    case K.SPIN_TRYLOCK:
    case K.WRITE_TRYLOCK:
    case K.READ_TRYLOCK:
      return info.result ? `${name} taken` : `${name} busy (${was(op.a)}): try-lock fails`;
    case K.AWAIT:
      return `waited until: ${op.note || 'condition'}`;
    case K.SWITCH_TO:
      return `switch to ${m.taskName(op.a)}`;
    case K.IRQ_SAVE:
      return `irqs off (were ${info.result ? 'on' : 'off'})`;
    case K.IRQ_RESTORE:
      return `irqs ${op.v ? 'on' : 'off'}`;
    case K.IRQ_DISABLE:
      return 'irqs off';
    case K.IRQ_ENABLE:
      return 'irqs on';
    case K.PREEMPT_DISABLE:
    case K.PREEMPT_ENABLE:
      return `preempt_count = ${m.cpus[info.cpu]?.preempt ?? '?'}`;
    case K.ASSERT:
      return `check ${op.tag}`;
    default:
      return '';
  }
}
