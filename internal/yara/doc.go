// Package yara holds YARA rule sets with their provenance and scans
// samples with them through Debian's yara, run as a separate, sandboxed
// process: koban is pure Go, and a native engine never runs inside it.
//
// Rule sets. A RuleSet carries its name, licence (an SPDX id), author and
// source beside its text. Only MIT, Apache-2.0, BSD-2-Clause and
// BSD-3-Clause sets may ship (Shippable); an operator may load a set under
// another licence, and it stays flagged. ParseSet lists the rules' names,
// tags and meta author and description with a small tokenizer (comments,
// text strings, regular expressions, hex strings, braces), not a YARA
// grammar, and refuses include, which would let a set read files beside
// it. Builtin is koban's own set (rules/koban.yar, Apache-2.0, author
// "koban"): the EICAR test file (matched by its bytes in hex, never by its
// text), UPX section names, a high-entropy PE section, an embedded PE,
// PowerShell download cradles and encoded commands, Mimikatz's command
// names.
//
// Check compiles a set with yarac: a compile error comes back as a
// *CompileError with yara's line and message (errors.Is ErrCompile); rules
// yara warns "may slow down scanning" are flagged (RuleSet.Slow,
// Rule.Slow), because one such rule makes a whole scan ten times slower.
//
// Scan compiles the sets together, each in its own namespace, into a cache
// directory named by a hash of yara's version and the texts, then runs
// `yara -C -e -g -s -L` on one file and parses what it prints. A Match
// names the set, its author and licence, and the rule's own meta author,
// so every match shows whose rule it was. Matched bytes are read back from
// the file by offset and length (at most MaxBytes per string, MaxStrings
// strings per rule), not decoded from yara's escaped rendering.
//
// The sandbox. Each yara or yarac process runs under util-linux's prlimit,
// chosen over a re-exec of koban because it needs no hook in main and sets
// the limits before exec, with no window in which the child runs
// unlimited:
//
//   - address space (RLIMIT_AS) MemoryLimit plus the scanned file's size,
//     since yara maps the whole file; a scan that runs out is ErrMemory;
//   - CPU time just past Timeout, no core files, no files written by a
//     scan (yarac may write its compiled rules), 64 descriptors;
//   - time: yara's own --timeout, and a context deadline two seconds later
//     that kills the whole process group (ErrTimeout either way);
//   - an environment of PATH and LC_ALL=C only, stdin from /dev/null, a
//     fresh temporary working directory;
//   - stdout read up to MaxOutput, then the process group is killed and
//     the matches read so far come back with ErrOutput; stderr kept to its
//     first 64 KiB.
//
// Find returns ErrNoEngine when yara, yarac or prlimit is missing, so the
// application can say YARA is not available and carry on.
//
// Speed. A scan goes through the same binary as running yara by hand, so
// koban's cost over it is a process start (prlimit, then yara loading the
// compiled rules) and a stat of the cache: tens of milliseconds, which
// matter for many small files and not for a large one. BenchmarkScan
// (KOBAN_BENCH_LARGE=1 for 200 MiB) measures it against the peer's 50 rules
// at about 310 MiB/s on 200 MiB (idle machine). Measured on 2 shared cores
// under a load average of 6–10: 140–190 MiB/s, while `yara -C` by hand on
// the same file at the same time ran at 130–170 MiB/s, so a ratio of about
// 1 to the bare command (0.45–0.6 of the peer's idle figure, the load
// making the difference). BenchmarkScanTiny puts koban's fixed cost at about
// 20 ms a scan (41 ms against 22 ms for yara by hand on one byte).
package yara
