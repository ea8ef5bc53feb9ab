package main

import (
	"bytes"
	"debug/pe"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPackages checks what `make package` produced in dist/: the Linux archive unpacks to a
// working binary, a desktop entry and an icon; the Windows executable is a 64-bit GUI program
// with a signature osslsigncode verifies. `make package-check` runs it with VAULTLINK_DIST set.
func TestPackages(t *testing.T) {
	dist := os.Getenv("VAULTLINK_DIST")
	if dist == "" {
		t.Skip("make package-check runs this on dist/")
	}
	version, err := os.ReadFile(filepath.Join(dist, "VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.TrimSpace(string(version))

	t.Run("linux", func(t *testing.T) {
		archives, _ := filepath.Glob(filepath.Join(dist, "vaultlink-*-linux-amd64.tar.xz"))
		if len(archives) != 1 {
			t.Fatalf("want one Linux archive, found %v", archives)
		}
		dir := t.TempDir()
		if out, err := exec.Command("tar", "-xJf", archives[0], "-C", dir).CombinedOutput(); err != nil {
			t.Fatalf("unpack: %v\n%s", err, out)
		}
		find := func(pattern string) string {
			t.Helper()
			var hit string
			filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
				if ok, _ := filepath.Match(pattern, filepath.Base(p)); ok && !d.IsDir() {
					hit = p
				}
				return nil
			})
			if hit == "" {
				t.Fatalf("the archive has no %s", pattern)
			}
			return hit
		}
		desktop, err := os.ReadFile(find("io.github.vaultlink.desktop"))
		if err != nil {
			t.Fatal(err)
		}
		entry := map[string]string{}
		for _, line := range strings.Split(string(desktop), "\n") {
			if k, v, ok := strings.Cut(line, "="); ok {
				entry[k] = v
			}
		}
		for k, v := range map[string]string{"Type": "Application", "Name": "VaultLink", "Exec": "vaultlink", "Icon": "io.github.vaultlink"} {
			if entry[k] != v {
				t.Errorf(".desktop %s=%q, want %q", k, entry[k], v)
			}
		}
		if !strings.Contains(entry["Categories"], "Utility") || entry["Comment"] == "" {
			t.Errorf(".desktop Categories=%q Comment=%q", entry["Categories"], entry["Comment"])
		}
		bin := find("vaultlink")
		if st, err := os.Stat(bin); err != nil || st.Mode()&0o111 == 0 {
			t.Fatalf("binary %s is not executable", bin)
		}
		out, err := exec.Command(bin, "version").CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "vaultlink "+want {
			t.Fatalf("the packaged binary says %q (%v), want %q", out, err, "vaultlink "+want)
		}
		icon, err := os.ReadFile(find("io.github.vaultlink.png"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(bytes.NewReader(icon)); err != nil {
			t.Fatalf("the icon is not a PNG: %v", err)
		}
		find("Makefile") // install / user-install targets
	})

	t.Run("windows", func(t *testing.T) {
		exes, _ := filepath.Glob(filepath.Join(dist, "vaultlink-*-windows-amd64.exe"))
		if len(exes) != 1 {
			t.Fatalf("want one Windows executable, found %v", exes)
		}
		f, err := pe.Open(exes[0])
		if err != nil {
			t.Fatalf("not a Windows executable: %v", err)
		}
		defer f.Close()
		oh, ok := f.OptionalHeader.(*pe.OptionalHeader64)
		if f.Machine != pe.IMAGE_FILE_MACHINE_AMD64 || !ok || oh.Subsystem != pe.IMAGE_SUBSYSTEM_WINDOWS_GUI {
			t.Fatalf("want a 64-bit GUI program, got machine %#x", f.Machine)
		}
		if f.Section(".rsrc") == nil {
			t.Error("no resources: the icon and version information are missing")
		}
		args := []string{"verify", "-in", exes[0]}
		if ca := filepath.Join(dist, "signing-cert.pem"); fileExists(ca) {
			args = append(args, "-CAfile", ca)
		}
		out, err := exec.Command("osslsigncode", args...).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Signature verification: ok") {
			t.Fatalf("osslsigncode verify: %v\n%s", err, out)
		}
	})
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
