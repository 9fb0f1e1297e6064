import { enablePatches, type Patch, produceWithPatches, setAutoFreeze } from 'immer';
import { K, OP_NAMES, type Op, SNAPSHOT } from '../cpu/ops.ts';
import type { Machine, StepInfo, StepObserver } from '../model/machine.ts';
import type { TraceStep, WorldView } from './trace.ts';

enablePatches();
setAutoFreeze(false);

/** Label of a choice in a schedule: `cpuN` or `irq:<source name>`. */
export function choiceLabel(m: Machine, choice: number): string {
  if (choice < m.cpuCount) return `cpu${choice}`;
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
  return -1;
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
  switch (op.k) {
    case K.LOAD:
      return op.tag === SNAPSHOT
        ? `${name} → ${L.format(op.a, info.result)}; ${L.name(op.v)} ← ${now(op.v)}`
        : `${name} → ${L.format(op.a, info.result)}`;
    case K.STORE:
      return `${name} ← ${L.format(op.a, op.v)}`;
    case K.RMW:
      return `${name}: ${was(op.a)} → ${now(op.a)}`;
    case K.SPIN_LOCK:
    case K.READ_LOCK:
    case K.WRITE_LOCK:
      return `${name}: ${was(op.a)} → ${now(op.a)}`;
    case K.SPIN_UNLOCK:
    case K.READ_UNLOCK:
    case K.WRITE_UNLOCK:
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
