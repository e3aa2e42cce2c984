package app_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const stixData = "../../../shared/data/stix"

func TestStixValidateCommand(t *testing.T) {
	good := filepath.Join(stixData, "cti-stix2-json-schemas", "examples", "threat-reports", "poisonivy.json")
	code, out, errs := run(t, nil, "", "stix", "validate", good)
	if code != 0 || !strings.Contains(out, "poisonivy.json: 155 objects, all valid STIX 2.1.") {
		t.Fatalf("valid file: %d %q %q", code, out, errs)
	}

	// The SCO examples hold three artifacts with a placeholder payload_bin.
	scos := filepath.Join(stixData, "cti-python-stix2", "sco-examples-bundle.json")
	code, out, errs = run(t, nil, "", "stix", "validate", scos)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 1 || len(lines) != 3 || !strings.Contains(errs, "3 problems found") {
		t.Fatalf("SCO examples: %d %q %q", code, out, errs)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, scos+": object ") || !strings.Contains(l, "(artifact--") || !strings.HasSuffix(l, ": payload_bin: payload_bin is not valid base64") {
			t.Errorf("line %q", l)
		}
	}

	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`[{"type":"identity","spec_version":"2.1","id":"identity--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","name":"i"},
{"type":"indicator" "x":1},
{"type":"indicator","spec_version":"2.1","id":"indicator--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","pattern":"[ipv4-addr:value = '10.0.0.1']","pattern_type":"stix","valid_from":"2016-04-06T20:03:48Z","valid_until":"2016-04-01T00:00:00Z"}]`), 0o600)
	code, out, _ = run(t, nil, "", "stix", "validate", bad)
	want := bad + ": object 2: the object is not valid JSON (byte 203: expected ',' or '}')\n" +
		bad + ": object 3 (indicator--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061): valid_until: valid_until (2016-04-01T00:00:00Z) is not after valid_from (2016-04-06T20:03:48Z)\n"
	if code != 1 || out != want {
		t.Fatalf("broken file: %d\n got %q\nwant %q", code, out, want)
	}
	// In Japanese, from standard input.
	in, _ := os.ReadFile(bad)
	code, out, _ = run(t, map[string]string{"LANG": "ja_JP.UTF-8"}, string(in), "stix", "validate")
	if code != 1 || !strings.Contains(out, "-: オブジェクト3（indicator--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061）: valid_until: valid_until（2016-04-01T00:00:00Z）が valid_from（2016-04-06T20:03:48Z）より後になっていません") {
		t.Fatalf("ja: %d %q", code, out)
	}
	// A file that is not JSON at all, a file that cannot be opened, no subcommand.
	notJSON := filepath.Join(dir, "notes.txt")
	os.WriteFile(notJSON, []byte("hello"), 0o600)
	if code, out, _ = run(t, nil, "", "stix", "validate", notJSON); code != 1 || !strings.Contains(out, "notes.txt: the file cannot be read further") {
		t.Errorf("not JSON: %d %q", code, out)
	}
	if code, _, errs = run(t, nil, "", "stix", "validate", good, filepath.Join(dir, "missing.json")); code != 2 || !strings.Contains(errs, "missing.json cannot be read") {
		t.Errorf("missing file: %d %q", code, errs)
	}
	if code, _, errs = run(t, nil, "", "stix"); code != 2 || !strings.Contains(errs, "usage: koban stix validate") {
		t.Errorf("usage: %d %q", code, errs)
	}
}
