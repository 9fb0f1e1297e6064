import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

/**
 * `npm ci` on the Node versions we support prints no EBADENGINE warning:
 * every locked package's `engines.node` admits ours. A runtime dependency
 * (what a user installs with ptrace-mc) must admit every version our
 * `engines` range admits; a development-only one must admit the oldest of
 * them and the Node running the tests (vitest itself skips odd majors).
 */
interface Locked {
  readonly version: string;
  readonly dev?: boolean;
  readonly optional?: boolean;
  readonly os?: readonly string[];
  readonly cpu?: readonly string[];
  readonly engines?: { readonly node?: string };
}

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, Locked> };
const ours = pkg.engines.node;
const oldest = semver.minVersion(ours)?.version as string;

/** Packages npm installs here: not those for another OS or CPU (npm skips them, and never checks their engines). */
function installedHere(p: Locked): boolean {
  const fits = (list: readonly string[] | undefined, v: string) =>
    list === undefined || (!list.includes(`!${v}`) && (list.includes(v) || list.every((x) => x.startsWith('!'))));
  return fits(p.os, process.platform) && fits(p.cpu, process.arch);
}

/** The locked packages whose `engines.node` exclude a Node version we support, with why. */
function engineMismatches(packages: Record<string, Locked>): string[] {
  const bad: string[] = [];
  for (const [path, p] of Object.entries(packages)) {
    const range = p.engines?.node;
    if (path === '' || range === undefined || !installedHere(p)) continue;
    if (!p.dev) {
      if (!semver.subset(ours, range)) bad.push(`${path}@${p.version} needs node ${range}; we support ${ours}`);
    } else if (!semver.satisfies(oldest, range) || !semver.satisfies(process.versions.node, range)) {
      bad.push(`${path}@${p.version} (development) needs node ${range}; we develop on ${oldest} and ${process.versions.node}`);
    }
  }
  return bad;
}

describe('dependency engines', () => {
  it('every locked package admits the Node versions in our engines field', () => {
    expect(semver.validRange(ours)).not.toBeNull();
    expect(engineMismatches(lock.packages)).toEqual([]);
  });

  it('the check catches the packages that once required Node 22', () => {
    const was: Record<string, Locked> = {
      'node_modules/mermaid': { version: '12.3.0', dev: true, engines: { node: '>=22.12.0' } },
      'node_modules/commander': { version: '15.1.0', engines: { node: '>=22.12.0' } },
      'node_modules/fast-check': { version: '4.10.2', engines: { node: '>=12.17.0' } },
      'node_modules/@rolldown/binding-darwin-arm64': {
        version: '1.2.19',
        dev: true,
        os: ['darwin'],
        engines: { node: '>=99' },
      },
    };
    expect(engineMismatches(was)).toEqual([
      `node_modules/mermaid@12.3.0 (development) needs node >=22.12.0; we develop on ${oldest} and ${process.versions.node}`,
      `node_modules/commander@15.1.0 needs node >=22.12.0; we support ${ours}`,
    ]);
  });
});
