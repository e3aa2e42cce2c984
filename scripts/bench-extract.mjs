// Helper of scripts/bench-extract, run with Node from the folder where
// ioc-extractor was installed:
//
//   node bench-extract.mjs measure CORPUS [RUNS]
//       times ioc-extractor's extractIOC (refang on, as koban always
//       refangs) on the corpus: one warm-up, then RUNS timed runs; prints
//       JSON {bytes, mbps (median), runs, counts} with the number of
//       distinct values of each of its types.
//   node bench-extract.mjs table CORPUS_NAME IOC_JSON[,IOC_JSON…] KOBAN_JSONL KOBAN_BENCH [COMMAND_MBPS [COMMAND_ALL_MBPS CORES]]
//       prints the comparison for the corpus (mixed or dense): throughput,
//       and per type the counts of each side and of the values both found;
//       COMMAND_MBPS, if given, holds the `koban extract` command's MB/s on
//       one core, one run a line, and COMMAND_ALL_MBPS its MB/s on all
//       CORES of the machine.
import { readFileSync } from 'node:fs';

// ioc-extractor's result keys and the koban types they correspond to;
// null where koban has no such type.
const typeMap = {
  ipv4s: 'ipv4', ipv6s: 'ipv6', domains: 'domain', urls: 'url', emails: 'email',
  btcs: 'btc', eths: 'eth', xmrs: 'xmr', md5s: 'md5', sha1s: 'sha1', sha256s: 'sha256',
  sha512s: 'sha512', cves: 'cve', asns: 'asn',
  ssdeeps: null, macAddresses: null, gaTrackIDs: null, gaPubIDs: null,
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(corpusPath, runs) {
  const { extractIOC } = await import('ioc-extractor');
  const text = readFileSync(corpusPath, 'utf8');
  const bytes = Buffer.byteLength(text);
  let result = extractIOC(text, { refang: true }); // warm-up
  const mbps = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    result = extractIOC(text, { refang: true });
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    mbps.push(bytes / secs / 1e6);
  }
  const values = {};
  for (const [k, v] of Object.entries(result)) values[k] = [...new Set(v)];
  console.log(JSON.stringify({ bytes, mbps: median(mbps), runs: mbps, values }));
}

// What each corpus is, for the table's heading.
const corpora = {
  mixed: 'mixed Japanese/English reports (BenchmarkExtractMixed)',
  dense: 'indicator-dense feeds, STIX/MISP and iocextract input (BenchmarkExtractDense)',
};

function table(corpus, iocPaths, kobanPath, benchPath, commandPath, commandAllPath, cores) {
  // One or more results of measure, comma-separated: their runs together.
  const iocs = iocPaths.split(',').map((p) => JSON.parse(readFileSync(p, 'utf8')));
  const ioc = { ...iocs[0], runs: iocs.flatMap((r) => r.runs) };
  ioc.mbps = median(ioc.runs);
  const koban = {};
  for (const line of readFileSync(kobanPath, 'utf8').split('\n')) {
    if (!line) continue;
    const { type, value } = JSON.parse(line);
    (koban[type] ??= new Set()).add(value);
  }
  const kobanRuns = [...readFileSync(benchPath, 'utf8').matchAll(/^BenchmarkExtract\w*\s.*?([\d.]+) MB\/s/gm)]
    .map((m) => Number(m[1]));
  if (kobanRuns.length === 0) throw new Error(`no BenchmarkExtract result in ${benchPath}`);
  const kobanMBps = median(kobanRuns);

  const row = (cells, widths) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd();
  console.log(`corpus ${corpus}: ${(ioc.bytes / 1e6).toFixed(2)} MB, ${corpora[corpus] ?? corpus}\n`);
  const w1 = [34, 12];
  console.log(row(['extractor', 'MB/s'], w1));
  console.log(row(['koban observe.Extract (Go, 1 core)', kobanMBps.toFixed(1)], w1));
  console.log(row(['ioc-extractor (Node, refang on)', ioc.mbps.toFixed(1)], w1));
  console.log(row(['ratio koban / ioc-extractor', (kobanMBps / ioc.mbps).toFixed(2) + '×'], w1));
  console.log(`(median of ${kobanRuns.length} and ${ioc.runs.length} runs)`);
  const command = (path, label) => {
    const cmdRuns = readFileSync(path, 'utf8').split('\n').filter(Boolean).map(Number);
    const cmd = median(cmdRuns);
    console.log(row([label, cmd.toFixed(1)], w1));
    console.log(`(median of ${cmdRuns.length} runs on a 200 MB corpus of the same making, start-up and output included: ${(cmd / kobanMBps * 100).toFixed(0)}% of the library on 1 core)`);
  };
  if (commandPath) command(commandPath, 'koban extract command (1 core)');
  if (commandAllPath) command(commandAllPath, `koban extract command (${cores} cores)`);
  console.log();

  const w2 = [14, 8, 15, 16];
  console.log(row(['type', 'koban', 'ioc-extractor', 'found by both'], w2));
  const lower = (s) => s.toLowerCase();
  const seen = new Set();
  for (const [key, type] of Object.entries(typeMap)) {
    const theirs = ioc.values[key] ?? [];
    if (type === null) {
      if (theirs.length > 0) console.log(row([`(${key})`, '—', theirs.length, '—'], w2));
      continue;
    }
    seen.add(type);
    const ours = [...(koban[type] ?? [])];
    const ourSet = new Set(ours.map(lower));
    const both = theirs.filter((v) => ourSet.has(lower(v))).length;
    console.log(row([type, ours.length, theirs.length, both], w2));
  }
  for (const type of Object.keys(koban).sort()) {
    if (!seen.has(type)) console.log(row([type, koban[type].size, '—', '—'], w2));
  }
}

const [cmd, ...args] = process.argv.slice(2);
if (cmd === 'measure') {
  await measure(args[0], Number(args[1] ?? 5));
} else if (cmd === 'table') {
  table(...args);
} else {
  console.error('usage: bench-extract.mjs measure CORPUS [RUNS] | table CORPUS_NAME IOC_JSON KOBAN_JSONL KOBAN_BENCH');
  process.exit(2);
}
