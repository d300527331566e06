import { basename, resolve } from 'node:path';
import { DumpFileError } from '../analysis/errors.js';
import { flameGraphHtml } from '../analysis/flamegraph.js';
import { aFormat, analysing, detectFormat, loadProfile, parseDumpName, readMeta } from '../analysis/load.js';
import { COMMON_HELP, stringOption, type Command } from './command.js';
import { formatValue } from './output.js';
import { metaFacts, profileFacts, profileReport } from './show.js';
import { writeOutputFile } from './write-file.js';

/** The default output: `<dump name>.html` in the current directory (dump directories are 0700 and not for us to fill). */
function defaultOutput(file: string): string {
  const name = basename(file);
  const parsed = parseDumpName(name);
  const base = parsed?.base ?? name.replace(/\.(cpuprofile|heapprofile|pb\.gz|json)$/, '');
  return resolve(`${base}.html`);
}

/** `holmes-node flame FILE -o out.html` */
export const flameCommand: Command = {
  name: 'flame',
  summary: 'write a self-contained HTML flame graph of a CPU profile, heap profile or pprof file',
  help: `Usage: holmes-node flame FILE [-o OUT.html] [--sample-type TYPE] [--json]

Writes a flame graph of a .cpuprofile, .heapprofile or .pb.gz (pprof) as one HTML
file that needs no network: open it in any browser. Frames are drawn callers
above callees, widths by total time (or bytes); hover for details, click to zoom,
search to highlight. A table of the top functions follows the graph.

Options:
  -o, --output FILE    where to write (default: <dump name>.html in the current directory); an
                       existing file is not replaced, and a link there is never followed
  --force              replace an existing output file (a link there is replaced, not followed)
  --sample-type TYPE   pprof: the sample type to draw (default: the profile's default, else the last)
  --title TEXT         heading of the page (default: the file name)
${COMMON_HELP}`,
  options: {
    output: { type: 'string', short: 'o' },
    force: { type: 'boolean' },
    'sample-type': { type: 'string' },
    title: { type: 'string' },
  },
  arity: [1, 1],
  run(args, out) {
    const file = resolve(args.positionals[0]!);
    const format = detectFormat(file);
    if (format === 'heapsnapshot' || format === 'handles' || format === 'block') {
      throw new DumpFileError(`${file}: ${aFormat(format)} has no call tree to draw; flame reads CPU profiles, heap profiles and pprof files`);
    }
    const sampleType = stringOption(args, 'sample-type');
    const target = resolve(stringOption(args, 'output') ?? defaultOutput(file));
    const meta = metaFacts(readMeta(file));
    const { html, report, frames } = analysing(file, format, () => {
      const profile = loadProfile(file, format, sampleType ? { sampleType } : {});
      const report = profileReport(file, profile, meta, 0);
      const facts = [profileFacts(report), meta ? `${meta.startTime}, pid ${meta.pid} on ${meta.hostname}` : '', meta ? `reason: ${meta.summary}` : '']
        .filter(Boolean)
        .join(' · ');
      return {
        html: flameGraphHtml(profile.tree, { title: stringOption(args, 'title') ?? basename(file), facts }),
        report,
        frames: profile.tree.frames.length,
      };
    });
    writeOutputFile(target, html, args.values.force === true);
    out.emit(
      { file, format, output: target, bytes: Buffer.byteLength(html), frames, unit: report.unit, measure: report.measure, total: report.total },
      (r) => `wrote ${r.output} (${r.frames} frames, ${formatValue(r.total, r.unit)} ${r.measure})`,
    );
  },
};
