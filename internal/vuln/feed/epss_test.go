package feed

import (
	"bytes"
	"compress/gzip"
	"os"
	"strings"
	"testing"
	"time"
)

func readEPSSFile(t *testing.T, name string) EPSSFile {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out, err := ReadEPSS(f)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEPSSHeaderForms(t *testing.T) {
	two := readEPSSFile(t, "epss-two-columns.csv")
	if len(two.Scores) != 3 || len(two.Problems) != 0 || two.ModelVersion != "" || !two.ScoreDate.IsZero() {
		t.Fatalf("two columns = %+v", two)
	}
	if two.Scores[2] != (EPSSScore{CVE: "CVE-2023-0001", EPSS: 5e-05}) {
		t.Errorf("scientific notation = %+v", two.Scores[2])
	}

	model := readEPSSFile(t, "epss-with-model.csv")
	if len(model.Scores) != 4 || len(model.Problems) != 0 {
		t.Fatalf("with model = %+v", model)
	}
	if model.ModelVersion != "v2023.03.01" || !model.ScoreDate.Equal(time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("model = %q, date = %v", model.ModelVersion, model.ScoreDate)
	}
	if s := model.Scores[1]; s.CVE != "CVE-2021-44228" || s.EPSS != 0.97565 || s.Percentile != 0.99995 {
		t.Errorf("log4shell = %+v", s)
	}
	if s := model.Scores[3]; s.EPSS != 1.2e-4 {
		t.Errorf("upper-case exponent = %+v", s)
	}
}

func TestEPSSBadLines(t *testing.T) {
	got := readEPSSFile(t, "epss-bad-lines.csv")
	if len(got.Scores) != 2 || got.Scores[1].CVE != "CVE-2023-0004" {
		t.Errorf("scores = %+v", got.Scores)
	}
	var lines []int
	for _, p := range got.Problems {
		lines = append(lines, p.Line)
		t.Log(p)
	}
	if want := []int{4, 5, 6, 7}; len(lines) != len(want) || lines[0] != 4 || lines[3] != 7 {
		t.Errorf("problem lines = %v, want %v", lines, want)
	}
}

func TestEPSSGzipAndHeaderErrors(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("cve,epss,percentile\nCVE-2021-44228,0.97565,0.99995\n"))
	zw.Close()
	got, err := ReadEPSS(&gz)
	if err != nil || len(got.Scores) != 1 {
		t.Fatalf("gzip = %+v, %v", got, err)
	}
	for name, input := range map[string]string{
		"empty":      "",
		"no header":  "CVE-2021-44228,0.9\n",
		"bad date":   "#model_version:v1,score_date:soon\ncve,epss\n",
		"only notes": "#model_version:v1\n",
	} {
		if _, err := ReadEPSS(strings.NewReader(input)); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}

func FuzzEPSS(f *testing.F) {
	for _, name := range []string{"epss-two-columns.csv", "epss-with-model.csv", "epss-bad-lines.csv"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ReadEPSS(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, s := range got.Scores {
			if s.EPSS < 0 || s.EPSS > 1 || !strings.HasPrefix(s.CVE, "CVE-") {
				t.Fatalf("accepted %+v", s)
			}
		}
	})
}
