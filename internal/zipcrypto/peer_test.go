package zipcrypto

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The fixtures were made by Info-ZIP zip 3.0 and 7-Zip 16.02 (Debian
// bookworm) from testdata/fixture.txt with the password "infected":
//
//	zip -P infected f-zip.zip fixture.txt
//	zip -0 -P infected f-zip-stored.zip fixture.txt
//	7z a -tzip -pinfected f-7z-zipcrypto.zip fixture.txt
//	7z a -tzip -mem=AES256 -pinfected f-7z-aes256.zip fixture.txt
//	7z a -tzip -mem=AES128 -mx0 -pinfected f-7z-aes128-stored.zip fixture.txt
func TestFixtures(t *testing.T) {
	want, err := os.ReadFile("testdata/fixture.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file, method string
	}{
		{"f-zip.zip", MethodZipCrypto},
		{"f-zip-stored.zip", MethodZipCrypto},
		{"f-7z-zipcrypto.zip", MethodZipCrypto},
		{"f-7z-aes256.zip", "aes-256"},
		{"f-7z-aes128-stored.zip", "aes-128"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			z, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			checkPeerArchive(t, z, "fixture.txt", tc.method, want)
		})
	}
}

func checkPeerArchive(t *testing.T, z []byte, name, method string, want []byte) {
	t.Helper()
	a, err := Open(bytes.NewReader(z), int64(len(z)))
	if err != nil {
		t.Fatal(err)
	}
	e := a.Entries()
	if len(e) != 1 || e[0].Name != name || e[0].Method != method || !e[0].Encrypted || e[0].Size != uint64(len(want)) {
		t.Fatalf("entries = %+v, want one %s of %d bytes by %s", e, name, len(want), method)
	}
	got, err := readEntry(t, z, Password)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("read %d bytes, differ from the %d expected", len(got), len(want))
	}
	if _, err := readEntry(t, z, "not the password"); !errors.Is(err, ErrPassword) {
		t.Fatalf("wrong password: err = %v, want ErrPassword", err)
	}
}

func need(t *testing.T, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		t.Skipf("%s is not installed (apt-get install zip unzip p7zip-full); the peer test needs it", tool)
	}
	return p
}

// Peers must extract koban's archives byte for byte.
func TestPeersExtractKoban(t *testing.T) {
	data := sample(700<<10, 11)
	z := writeZip(t, "sample.bin", data, Password)
	for _, tc := range []struct {
		tool string
		args func(archive, dir string) []string
	}{
		{"unzip", func(a, d string) []string { return []string{"-q", "-P", Password, a, "-d", d} }},
		{"7z", func(a, d string) []string { return []string{"x", "-p" + Password, "-o" + d, "-y", a} }},
	} {
		t.Run(tc.tool, func(t *testing.T) {
			bin := need(t, tc.tool)
			dir := t.TempDir()
			archive := filepath.Join(dir, "koban.zip")
			if err := os.WriteFile(archive, z, 0o600); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out")
			if b, err := exec.Command(bin, tc.args(archive, out)...).CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", tc.tool, err, b)
			}
			got, err := os.ReadFile(filepath.Join(out, "sample.bin"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("%s extracted %d bytes, differ from the %d written", tc.tool, len(got), len(data))
			}
		})
	}
}

// koban must read what the peers make, with each encryption they offer.
func TestKobanReadsPeers(t *testing.T) {
	data := sample(300<<10, 12)
	for _, tc := range []struct {
		name, tool, method string
		args               []string
	}{
		{"zip", "zip", MethodZipCrypto, []string{"-q", "-P", Password}},
		{"zip stored", "zip", MethodZipCrypto, []string{"-q", "-0", "-P", Password}},
		{"7z zipcrypto", "7z", MethodZipCrypto, []string{"a", "-tzip", "-p" + Password}},
		{"7z aes256", "7z", "aes-256", []string{"a", "-tzip", "-mem=AES256", "-p" + Password}},
		{"7z aes192 stored", "7z", "aes-192", []string{"a", "-tzip", "-mem=AES192", "-mx0", "-p" + Password}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bin := need(t, tc.tool)
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "sample.bin"), data, 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, append(tc.args, "peer.zip", "sample.bin")...)
			cmd.Dir = dir
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", tc.tool, err, b)
			}
			z, err := os.ReadFile(filepath.Join(dir, "peer.zip"))
			if err != nil {
				t.Fatal(err)
			}
			checkPeerArchive(t, z, "sample.bin", tc.method, data)
		})
	}
}
