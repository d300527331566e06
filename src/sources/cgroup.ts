/**
 * cgroup-aware CPU quota and memory limit of the current process (cgroup v1, v2 and hybrid).
 *
 * os.totalmem() and os.availableParallelism() report the host, not the container, so
 * percentages computed against them are wrong inside Docker/Kubernetes. This module reads
 * the limits the kernel actually enforces on this process.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CgroupLimits {
  /** 1 or 2 when a cgroup hierarchy with the controller was found, else null */
  version: 1 | 2 | null;
  /** memory limit in bytes, null when unlimited / not found */
  memoryBytes: number | null;
  /** CPU quota in cores (quota / period), null when unlimited / not found */
  cpuCores: number | null;
}

/** One line of /proc/self/cgroup: `hierarchy-id:controller-list:path`. */
export interface ProcCgroupEntry {
  id: number;
  /** e.g. `['cpu', 'cpuacct']`; empty for the v2 line `0::/path` */
  controllers: string[];
  path: string;
}

/** The fields of one /proc/self/mountinfo line this module needs. */
export interface MountInfoEntry {
  /** Field 4: the directory of the filesystem that is mounted (the cgroup the mount starts at). */
  root: string;
  /** Field 5: where it is mounted, absolute. */
  mountPoint: string;
  /** e.g. `cgroup` or `cgroup2` */
  fsType: string;
  /** Super options; for v1 these name the controllers, e.g. `['rw', 'cpu', 'cpuacct']`. */
  superOptions: string[];
}

/** At or above this, a "limit" is the kernel's way of saying unlimited (v1 prints 9223372036854771712). */
const UNLIMITED = 2 ** 60;

/** Parses /proc/self/cgroup; malformed lines are skipped. */
export function parseProcCgroup(text: string): ProcCgroupEntry[] {
  const entries: ProcCgroupEntry[] = [];
  for (const line of text.split('\n')) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const idText = line.slice(0, first);
    const path = line.slice(second + 1); // the path itself may contain ':'
    if (!/^\d+$/.test(idText) || !path.startsWith('/')) continue;
    const list = line.slice(first + 1, second);
    entries.push({ id: Number(idText), controllers: list ? list.split(',') : [], path });
  }
  return entries;
}

/** Parses /proc/self/mountinfo (see proc(5)); malformed lines are skipped. */
export function parseMountInfo(text: string): MountInfoEntry[] {
  const entries: MountInfoEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(' ');
    // Optional fields (shared:N, master:N…) vary in number, so locate the '-' separator.
    const sep = fields.indexOf('-', 6);
    if (fields.length < 7 || sep < 0 || sep + 3 > fields.length) continue;
    entries.push({
      root: unescapeOctal(fields[3]!),
      mountPoint: unescapeOctal(fields[4]!),
      fsType: fields[sep + 1]!,
      superOptions: (fields[sep + 3] ?? '').split(','),
    });
  }
  return entries;
}

/** mountinfo escapes space, tab, newline and backslash as `\ooo`. */
function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parses a byte limit (v1 `memory.limit_in_bytes`, v2 `memory.max`); `max`, huge or invalid values give null. */
export function parseMemoryLimit(text: string): number | null {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return n > 0 && n < UNLIMITED ? n : null;
}

/** Cores from v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us` text; quota -1, huge or invalid values give null. */
export function parseV1Quota(quota: string, period: string): number | null {
  const q = quota.trim();
  const p = period.trim();
  if (!/^-?\d+$/.test(q) || !/^\d+$/.test(p)) return null;
  const qn = Number(q);
  const pn = Number(p);
  if (qn <= 0 || pn <= 0 || qn >= UNLIMITED || pn >= UNLIMITED) return null;
  return qn / pn;
}

/** Cores from v2 `cpu.max` ("max 100000" or "50000 100000"); `max` or invalid text gives null. */
export function parseCpuMax(text: string): number | null {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 2 || parts[0] === 'max') return null;
  return parseV1Quota(parts[0]!, parts[1]!);
}

/**
 * The directories holding the limits for cgroup `path` on `mount`, from the process's own
 * cgroup up to the mount point (a parent's limit binds its children too).
 */
export function cgroupDirs(root: string, mount: MountInfoEntry, path: string): string[] {
  const base = join(root, mount.mountPoint);
  // In a container (or a cgroup namespace) the mount starts at some cgroup, not the hierarchy
  // root; /proc/self/cgroup may show that cgroup's full path, so strip it.
  let rel: string | null = null;
  if (mount.root === '/') rel = path;
  else if (path === mount.root || path.startsWith(`${mount.root}/`)) rel = path.slice(mount.root.length);
  if (rel === null) return [base];
  const segments = rel.split('/').filter((s) => s !== '' && s !== '.' && s !== '..');
  // The path may not be visible from here (e.g. host paths in a container): use the mount point.
  if (!existsSync(join(base, ...segments))) return [base];
  const dirs: string[] = [];
  for (let i = segments.length; i >= 0; i--) dirs.push(join(base, ...segments.slice(0, i)));
  return dirs;
}

/** Smallest non-null value of `read(dir)` over `dirs`, or null; unreadable files count as no limit. */
function minOver(dirs: string[], read: (dir: string) => number | null): number | null {
  let best: number | null = null;
  for (const dir of dirs) {
    let v: number | null = null;
    try {
      v = read(dir);
    } catch {
      // missing file at this level: the limit, if any, is elsewhere
    }
    if (v !== null && (best === null || v < best)) best = v;
  }
  return best;
}

const readText = (file: string): string => readFileSync(file, 'utf8');

type Controller = 'memory' | 'cpu';

interface Hierarchy {
  version: 1 | 2;
  dirs: string[];
}

/** Finds where `controller` lives: a v1 hierarchy if one has it, else the v2 unified one. */
function findHierarchy(root: string, controller: Controller, cgroups: ProcCgroupEntry[], mounts: MountInfoEntry[]): Hierarchy | null {
  // A controller is bound to at most one hierarchy; in hybrid mode v1 ones take it.
  const v1 = cgroups.find((c) => c.id !== 0 && c.controllers.includes(controller));
  if (v1) {
    const candidates = mounts.filter((m) => m.fsType === 'cgroup' && m.superOptions.includes(controller));
    const mount = pickMount(candidates, v1.path);
    if (mount) return { version: 1, dirs: cgroupDirs(root, mount, v1.path) };
  }
  const v2 = cgroups.find((c) => c.id === 0 && c.controllers.length === 0);
  if (v2) {
    const mount = pickMount(
      mounts.filter((m) => m.fsType === 'cgroup2'),
      v2.path,
    );
    if (mount) {
      // Hybrid systems mount a v2 tree with few or no controllers; only count it if it has ours.
      let available: string[] = [];
      try {
        available = readText(join(root, mount.mountPoint, 'cgroup.controllers'))
          .trim()
          .split(/\s+/);
      } catch {
        return null;
      }
      if (available.includes(controller)) return { version: 2, dirs: cgroupDirs(root, mount, v2.path) };
    }
  }
  return null;
}

/** Prefers a mount whose root contains `path` (bind mounts of sub-cgroups exist), else the first one. */
function pickMount(mounts: MountInfoEntry[], path: string): MountInfoEntry | undefined {
  return mounts.find((m) => m.root === '/' || path === m.root || path.startsWith(`${m.root}/`)) ?? mounts[0];
}

/** Never throws: any read or parse fault yields nulls. `root` prefixes every absolute path read (for fixture trees); default '/'. */
export function readCgroupLimits(root = '/'): CgroupLimits {
  const none: CgroupLimits = { version: null, memoryBytes: null, cpuCores: null };
  try {
    const cgroups = parseProcCgroup(readText(join(root, '/proc/self/cgroup')));
    const mounts = parseMountInfo(readText(join(root, '/proc/self/mountinfo')));

    const mem = findHierarchy(root, 'memory', cgroups, mounts);
    const cpu = findHierarchy(root, 'cpu', cgroups, mounts);

    const memoryBytes = !mem
      ? null
      : mem.version === 1
        ? minOver(mem.dirs, (d) => parseMemoryLimit(readText(join(d, 'memory.limit_in_bytes'))))
        : minOver(mem.dirs, (d) => parseMemoryLimit(readText(join(d, 'memory.max'))));
    const cpuCores = !cpu
      ? null
      : cpu.version === 1
        ? minOver(cpu.dirs, (d) => parseV1Quota(readText(join(d, 'cpu.cfs_quota_us')), readText(join(d, 'cpu.cfs_period_us'))))
        : minOver(cpu.dirs, (d) => parseCpuMax(readText(join(d, 'cpu.max'))));

    return { version: mem?.version ?? cpu?.version ?? null, memoryBytes, cpuCores };
  } catch {
    return none;
  }
}
