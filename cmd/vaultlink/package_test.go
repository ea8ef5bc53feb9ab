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
// working binary, a desktop entry and an icon; the .deb (package_deb_test.go) has the right
// control fields, files and dependencies, passes lintian and runs once unpacked; the Windows
// executable is a 64-bit GUI program with a signature osslsigncode verifies; the MSI
// (package_msi_test.go) has the product, upgrade, file and shortcut tables, and it and the
// program inside it are signed. `make package-check` runs it with VAULTLINK_DIST set, and fails
// unless it ran and passed.
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
		checkDesktopEntry(t, desktop)
		checkBinaryVersion(t, find("vaultlink"), "version", want)
		checkPNG(t, find("io.github.vaultlink.png"))
		find("Makefile") // install / user-install targets
	})

	t.Run("deb", func(t *testing.T) { checkDeb(t, dist, want) })

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
		verifySignature(t, dist, exes[0])
	})

	t.Run("msi", func(t *testing.T) { checkMSI(t, dist) })
}

// verifySignature runs osslsigncode verify on a signed Windows file, trusting the throwaway
// certificate when package made one.
func verifySignature(t *testing.T, dist, file string) {
	t.Helper()
	args := []string{"verify", "-in", file}
	if ca := filepath.Join(dist, "signing-cert.pem"); fileExists(ca) {
		args = append(args, "-CAfile", ca)
	}
	out, err := exec.Command("osslsigncode", args...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Signature verification: ok") {
		t.Fatalf("osslsigncode verify %s: %v\n%s", filepath.Base(file), err, out)
	}
}

// installerVersion is the x.y.z and build number package stamps into the installers, worked
// out here from git the way .ci/package does: the newest vX.Y.Z tag, else FyneApp.toml; the
// commit count.
func installerVersion(t *testing.T) (app, build string) {
	t.Helper()
	git := func(args ...string) string {
		out, err := exec.Command("git", args...).Output()
		if err != nil {
			return ""
		}
		return strings.TrimSpace(string(out))
	}
	app = strings.TrimPrefix(git("describe", "--tags", "--abbrev=0", "--match", "v[0-9]*"), "v")
	if app == "" {
		toml, err := os.ReadFile(filepath.Join(git("rev-parse", "--show-toplevel"), "FyneApp.toml"))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(toml), "\n") {
			if v, ok := strings.CutPrefix(line, "Version = "); ok {
				app = strings.Trim(v, `"`)
			}
		}
	}
	build = git("rev-list", "--count", "HEAD")
	if app == "" || build == "" {
		t.Fatalf("cannot work out the version from git: %q build %q", app, build)
	}
	return app, build
}

// checkDesktopEntry checks the .desktop entry fyne writes from FyneApp.toml.
func checkDesktopEntry(t *testing.T, desktop []byte) {
	t.Helper()
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
}

// checkBinaryVersion runs a packaged Linux binary and checks the version it reports.
func checkBinaryVersion(t *testing.T, bin, arg, want string) {
	t.Helper()
	if st, err := os.Stat(bin); err != nil || st.Mode()&0o111 == 0 {
		t.Fatalf("binary %s is not executable", bin)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(bin, arg)
	cmd.Stderr = &stderr // Fyne logs here when the locale is unset
	out, err := cmd.Output()
	if err != nil || strings.TrimSpace(string(out)) != "vaultlink "+want {
		t.Fatalf("%s %s says %q (%v; stderr %q), want %q", bin, arg, out, err, stderr.String(), "vaultlink "+want)
	}
}

// checkPNG checks that a file is a PNG image and returns its size.
func checkPNG(t *testing.T, file string) (width, height int) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s is not a PNG: %v", file, err)
	}
	return img.Bounds().Dx(), img.Bounds().Dy()
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
