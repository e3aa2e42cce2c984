package yara

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The errors of Find, Check and Scan.
var (
	// ErrNoEngine is yara, yarac or prlimit missing: YARA is not available.
	ErrNoEngine = errors.New("yara: engine not available")
	// ErrCompile is rule text yarac refuses; the error is a *CompileError.
	ErrCompile = errors.New("yara: rules do not compile")
	// ErrTimeout is a compile or scan that ran out of time.
	ErrTimeout = errors.New("yara: time limit reached")
	// ErrMemory is a compile or scan that ran out of its memory limit.
	ErrMemory = errors.New("yara: memory limit reached")
	// ErrOutput is a scan whose output passed Engine.MaxOutput; the
	// matches read before the cut are returned with it.
	ErrOutput = errors.New("yara: output limit reached")
	// ErrEngine is any other failure of the yara process.
	ErrEngine = errors.New("yara: engine failed")
)

// CompileError is yarac's refusal of a set, at a line of its text.
type CompileError struct {
	Set     string
	Line    int
	Message string
}

func (e *CompileError) Error() string {
	return fmt.Sprintf("yara: rule set %s, line %d: %s", e.Set, e.Line, e.Message)
}

// Is makes errors.Is(err, ErrCompile) hold.
func (e *CompileError) Is(target error) bool { return target == ErrCompile }

// Defaults of an Engine from Find.
const (
	DefaultTimeout     = 60 * time.Second
	DefaultMemoryLimit = 512 << 20
	DefaultMaxOutput   = 16 << 20
)

// Engine runs Debian's yara and yarac as separate processes, each under
// prlimit: an address-space limit, no core files, no files written, few
// descriptors, a CPU-time limit; with a clean environment, stdin from
// /dev/null, a temporary working directory, its own process group killed
// whole at the deadline, and its output read up to a bound.
type Engine struct {
	Bin      string // yara
	Compiler string // yarac
	Prlimit  string // util-linux prlimit, which sets the child's limits before exec
	Version  string // yara --version, part of the compiled rules' cache key

	// Timeout bounds one compile or scan: yara's own --timeout, and a
	// context deadline a little later that kills the process group.
	Timeout time.Duration
	// MemoryLimit is the address space yara may use beyond the scanned
	// file, which it maps whole (RLIMIT_AS = MemoryLimit + file size).
	MemoryLimit int64
	// MaxOutput bounds what is read of yara's output; past it the process
	// is killed and the scan ends with ErrOutput.
	MaxOutput int64
	// MaxStrings bounds the string matches listed per rule (32), MaxBytes
	// the matched bytes shown per string match (64). A limit left zero
	// takes its default.
	MaxStrings, MaxBytes int
	// CacheDir holds compiled rules, named by a hash of yara's version and
	// the sets' texts; it must be this user's alone (checked). Empty: a
	// "koban-yara" directory in the temp dir; the app passes one under its
	// data folder. Old entries are not pruned.
	CacheDir string
}

// Defaults for the limits an Engine leaves zero.
const (
	defaultMaxStrings = 32
	defaultMaxBytes   = 64
)

// withDefaults is a copy of e with its zero limits set to the defaults.
func (e *Engine) withDefaults() *Engine {
	c := *e
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MemoryLimit <= 0 {
		c.MemoryLimit = DefaultMemoryLimit
	}
	if c.MaxOutput <= 0 {
		c.MaxOutput = DefaultMaxOutput
	}
	if c.MaxStrings <= 0 {
		c.MaxStrings = defaultMaxStrings
	}
	if c.MaxBytes <= 0 {
		c.MaxBytes = defaultMaxBytes
	}
	// yara runs in a temporary working directory: a relative cache (a data
	// folder given as ./koban-data) would point nowhere from there.
	if c.CacheDir != "" && !filepath.IsAbs(c.CacheDir) {
		if abs, err := filepath.Abs(c.CacheDir); err == nil {
			c.CacheDir = abs
		}
	}
	return &c
}

// Find looks for yara, yarac and prlimit on PATH and returns an engine
// with the defaults; ErrNoEngine when one is missing.
func Find() (*Engine, error) {
	e := (&Engine{}).withDefaults()
	for _, p := range []struct {
		dst  *string
		name string
	}{{&e.Bin, "yara"}, {&e.Compiler, "yarac"}, {&e.Prlimit, "prlimit"}} {
		path, err := exec.LookPath(p.name)
		if err != nil {
			return nil, fmt.Errorf("%w: %s not found on PATH", ErrNoEngine, p.name)
		}
		*p.dst = path
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, e.Bin, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("%w: yara --version: %v", ErrNoEngine, err)
	}
	e.Version = strings.TrimSpace(string(out))
	return e, nil
}

// run is one sandboxed process: its output up to MaxOutput through
// stdout, the start of its stderr, and how it ended.
type run struct {
	stderr    string
	truncated bool // output cut at MaxOutput
	timedOut  bool // killed at the deadline
	err       error
}

// limits are what one process may use beyond the engine's own.
type limits struct {
	extraMemory int64 // added to MemoryLimit: the size of a file yara maps
	fileSize    int64 // largest file it may write: 0 for a scan
}

// maxCompiled bounds the compiled rules yarac may write.
const maxCompiled = 256 << 20

// spawn runs bin with args under the limits, handing its stdout to read.
func (e *Engine) spawn(ctx context.Context, lim limits, read func(io.Reader) error, bin string, args ...string) run {
	ctx, cancel := context.WithTimeout(ctx, e.Timeout+2*time.Second)
	defer cancel()
	dir, err := os.MkdirTemp("", "koban-yara-run-")
	if err != nil {
		return run{err: err}
	}
	defer os.RemoveAll(dir)
	prlimit := []string{
		"--as=" + strconv.FormatInt(e.MemoryLimit+lim.extraMemory, 10),
		"--fsize=" + strconv.FormatInt(lim.fileSize, 10),
		"--core=0", "--nofile=64",
		"--cpu=" + strconv.Itoa(e.seconds()+1),
		"--", bin,
	}
	cmd := exec.CommandContext(ctx, e.Prlimit, append(prlimit, args...)...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C"}
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	stderr := &capped{max: 64 << 10}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return run{err: err}
	}
	if err := cmd.Start(); err != nil {
		return run{err: fmt.Errorf("%w: %v", ErrEngine, err)}
	}
	lr := &io.LimitedReader{R: stdout, N: e.MaxOutput}
	readErr := read(lr)
	// What read left, up to the bound, so that yara is not blocked writing.
	io.Copy(io.Discard, lr)
	r := run{}
	if lr.N <= 0 {
		r.truncated = true
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	r.err = cmd.Wait()
	if r.err == nil {
		r.err = readErr
	}
	r.stderr = stderr.String()
	r.timedOut = errors.Is(ctx.Err(), context.DeadlineExceeded)
	return r
}

// failure turns how a process ended into one of the package's errors.
func (e *Engine) failure(ctx context.Context, what string, r run) error {
	switch err := ctx.Err(); {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w: %s: the caller's %w", ErrTimeout, what, err)
	case err != nil:
		return fmt.Errorf("yara: %s: %w", what, err)
	}
	msg := strings.TrimSpace(r.stderr)
	var exit *exec.ExitError
	switch {
	case r.timedOut || strings.Contains(msg, "timed out"):
		return fmt.Errorf("%w: %s after %v", ErrTimeout, what, e.Timeout)
	case errors.As(r.err, &exit) && signal(exit) == syscall.SIGXCPU:
		return fmt.Errorf("%w: %s used its CPU time", ErrTimeout, what)
	case strings.Contains(msg, "not enough memory") || strings.Contains(msg, "insufficient memory") ||
		strings.HasSuffix(msg, "error: 1") || strings.HasSuffix(msg, "error: 4"):
		// 1 is yara's ERROR_INSUFFICIENT_MEMORY, 4 ERROR_COULD_NOT_MAP_FILE,
		// which an address-space limit also causes.
		return fmt.Errorf("%w: %s within %d MiB: %s", ErrMemory, what, e.MemoryLimit>>20, firstLine(msg))
	case errors.As(r.err, &exit) && exit.ExitCode() == 127:
		return fmt.Errorf("%w: %s: yara did not start within its limits: %s", ErrMemory, what, firstLine(msg))
	default:
		return fmt.Errorf("%w: %s: %v: %s", ErrEngine, what, r.err, firstLine(msg))
	}
}

// signal is the signal that ended the process, or -1.
func signal(exit *exec.ExitError) syscall.Signal {
	if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return ws.Signal()
	}
	return -1
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// capped keeps the first max bytes written to it.
type capped struct {
	bytes.Buffer
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.Len(); room > 0 {
		c.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// yarac's diagnostics: `error: rule "x" in FILE(12): message`, or
// `error: FILE(1): message` outside a rule, and the same for warnings.
var diagnostic = regexp.MustCompile(`^(error|warning): (?:rule "([A-Za-z0-9_]+)" in )?(.*)\(([0-9]+)\): (.*)$`)

func discard(r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}

// Check compiles the set with yarac, refusing it with a *CompileError at
// the first error, and records which rules yara warns may slow down
// scanning (set.Slow, Rule.Slow) and its other warnings.
func (e *Engine) Check(ctx context.Context, set *RuleSet) error {
	e = e.withDefaults()
	dir, err := os.MkdirTemp("", "koban-yara-check-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "rules.yar")
	if err := os.WriteFile(src, []byte(set.Text), 0o600); err != nil {
		return err
	}
	r := e.spawn(ctx, limits{fileSize: maxCompiled}, discard, e.Compiler, src, filepath.Join(dir, "rules.yarc"))
	set.Slow, set.Warnings = nil, nil
	for i := range set.Rules {
		set.Rules[i].Slow = false
	}
	var compileErr *CompileError
	for _, line := range strings.Split(r.stderr, "\n") {
		m := diagnostic.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[4])
		switch {
		case m[1] == "error" && compileErr == nil:
			compileErr = &CompileError{Set: set.Name, Line: n, Message: m[5]}
			if m[2] != "" {
				compileErr.Message = fmt.Sprintf("rule %s: %s", m[2], m[5])
			}
		case m[1] == "warning" && m[2] != "" && strings.Contains(m[5], "slow down scanning"):
			set.markSlow(m[2])
		case m[1] == "warning":
			set.Warnings = append(set.Warnings, fmt.Sprintf("line %d: %s", n, m[5]))
		}
	}
	if compileErr != nil {
		return compileErr
	}
	if r.err != nil {
		return e.failure(ctx, "compile "+set.Name, r)
	}
	return nil
}

func (s *RuleSet) markSlow(rule string) {
	for _, name := range s.Slow {
		if name == rule {
			return
		}
	}
	s.Slow = append(s.Slow, rule)
	for i := range s.Rules {
		if s.Rules[i].Name == rule {
			s.Rules[i].Slow = true
		}
	}
}

// namespace is set i's YARA namespace in a compiled file.
func namespace(i int) string { return "set" + strconv.Itoa(i) }

// compiled returns the path of the sets compiled together, each in its
// own namespace, from the cache or compiled now.
func (e *Engine) compiled(ctx context.Context, sets []RuleSet) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%q\n", e.Version)
	for _, s := range sets {
		fmt.Fprintf(h, "%d\n%s", len(s.Text), s.Text)
	}
	key := hex.EncodeToString(h.Sum(nil))
	cache := e.CacheDir
	if cache == "" {
		cache = filepath.Join(os.TempDir(), "koban-yara")
	}
	if err := privateDir(cache); err != nil {
		return "", err
	}
	out := filepath.Join(cache, key+".yarc")
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	dir, err := os.MkdirTemp(cache, "compile-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	var args []string
	for i, s := range sets {
		src := filepath.Join(dir, namespace(i)+".yar")
		if err := os.WriteFile(src, []byte(s.Text), 0o600); err != nil {
			return "", err
		}
		args = append(args, namespace(i)+":"+src)
	}
	tmp := filepath.Join(dir, "rules.yarc")
	r := e.spawn(ctx, limits{fileSize: maxCompiled}, discard, e.Compiler, append(args, tmp)...)
	if r.err != nil {
		for _, line := range strings.Split(r.stderr, "\n") {
			if m := diagnostic.FindStringSubmatch(line); m != nil && m[1] == "error" {
				n, _ := strconv.Atoi(m[4])
				name := strings.TrimSuffix(filepath.Base(m[3]), ".yar")
				for i, s := range sets {
					if namespace(i) == name {
						name = s.Name
					}
				}
				return "", &CompileError{Set: name, Line: n, Message: m[5]}
			}
		}
		return "", e.failure(ctx, "compile", r)
	}
	// The rename makes the cache entry appear whole or not at all.
	if err := os.Rename(tmp, out); err != nil {
		return "", err
	}
	return out, nil
}

// privateDir makes dir if need be and refuses it unless it is a directory
// of this user's that no one else may write: yara trusts a compiled rules
// file, so no one else may plant one in the cache.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || fi.Mode().Perm()&0o022 != 0 || !ok || int(st.Uid) != os.Getuid() {
		return fmt.Errorf("yara: cache %s is not a directory of this user's that only it may write", dir)
	}
	return nil
}
