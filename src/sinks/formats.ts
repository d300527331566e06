/** The formats of file holmes-node writes, and the CLI reads. */
export type DumpFormat = 'cpuprofile' | 'heapsnapshot' | 'heapprofile' | 'handles' | 'pprof' | 'block';

/** Each format's file extension (after the base name's dot) and human name. */
export const FORMATS: Readonly<Record<DumpFormat, { readonly extension: string; readonly name: string }>> = {
  cpuprofile: { extension: 'cpuprofile', name: 'CPU profile' },
  heapsnapshot: { extension: 'heapsnapshot', name: 'V8 heap snapshot' },
  heapprofile: { extension: 'heapprofile', name: 'sampling heap profile' },
  handles: { extension: 'handles.json', name: 'handles dump' },
  pprof: { extension: 'pb.gz', name: 'pprof profile' },
  block: { extension: 'block.json', name: 'event-loop block stack' },
};

/** Extension of the meta file written beside every dump. */
export const META_EXTENSION = 'meta.json';
