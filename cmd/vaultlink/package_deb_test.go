package main

import (
	"compress/gzip"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// glfwDlopened are the X11 libraries GLFW (in Fyne) loads with dlopen: no ELF entry names
// them, so the .deb must depend on them explicitly.
var glfwDlopened = []string{"libXcursor.so.1", "libXrandr.so.2", "libXinerama.so.1", "libXi.so.6",
	"libXxf86vm.so.1", "libXrender.so.1", "libX11-xcb.so.1"}

// checkDeb checks the Debian package the way dpkg and a Debian admin see it: its control
// fields, its files and their owners, the dependencies of the binary inside, lintian, and,
// unpacked into a throwaway root, that the program runs and its desktop entry and icon are
// where desktops look.
func checkDeb(t *testing.T, dist, want string) {
	debs, _ := filepath.Glob(filepath.Join(dist, "vaultlink_*_amd64.deb"))
	if len(debs) != 1 {
		t.Fatalf("want one .deb, found %v", debs)
	}
	deb := debs[0]
	app, build := installerVersion(t)

	info, err := exec.Command("dpkg-deb", "--info", deb).CombinedOutput()
	if err != nil {
		t.Fatalf("dpkg-deb --info: %v\n%s", err, info)
	}
	for _, member := range []string{" control", " md5sums"} {
		if !strings.Contains(string(info), member) {
			t.Errorf("dpkg-deb --info lists no%s file:\n%s", member, info)
		}
	}
	control := debControl(t, deb)
	for k, v := range map[string]string{"Package": "vaultlink", "Version": app + "+" + build, "Architecture": "amd64",
		"Section": "utils", "Priority": "optional", "Recommends": "gnome-keyring"} {
		if control[k] != v {
			t.Errorf("control %s: %q, want %q", k, control[k], v)
		}
	}
	if !regexp.MustCompile(`^[^<>]+ <[^<>@ ]+@[^<>@ ]+>$`).MatchString(control["Maintainer"]) {
		t.Errorf("control Maintainer %q: want Name <address>", control["Maintainer"])
	}
	if synopsis, long, _ := strings.Cut(control["Description"], "\n"); synopsis == "" || len(long) < 100 {
		t.Errorf("control Description needs a synopsis and a long description: %q", control["Description"])
	}

	contents, err := exec.Command("dpkg-deb", "--contents", deb).CombinedOutput()
	if err != nil {
		t.Fatalf("dpkg-deb --contents: %v\n%s", err, contents)
	}
	files := map[string]string{} // path: mode
	for _, line := range strings.Split(strings.TrimSpace(string(contents)), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 {
			t.Fatalf("dpkg-deb --contents: unexpected line %q", line)
		}
		path := strings.TrimPrefix(f[5], ".")
		files[path] = f[0]
		if f[1] != "root/root" {
			t.Errorf("%s is owned by %s, want root/root", path, f[1])
		}
		if strings.HasPrefix(path, "/usr/local/") || !(strings.HasPrefix(path, "/usr/") || path == "/" || path == "/usr") {
			t.Errorf("%s: a package installs under /usr only (/usr/local is the admin's)", path)
		}
	}
	for path, mode := range map[string]string{
		"/usr/bin/vaultlink": "-rwxr-xr-x",
		"/usr/share/applications/io.github.vaultlink.desktop": "-rw-r--r--",
		"/usr/share/doc/vaultlink/copyright":                  "-rw-r--r--",
		"/usr/share/doc/vaultlink/changelog.gz":               "-rw-r--r--",
		"/usr/share/man/man1/vaultlink.1.gz":                  "-rw-r--r--",
	} {
		if files[path] != mode {
			t.Errorf("dpkg-deb --contents: %s is %q, want %s", path, files[path], mode)
		}
	}

	root := t.TempDir()
	if out, err := exec.Command("dpkg", "-x", deb, root).CombinedOutput(); err != nil {
		t.Fatalf("dpkg -x: %v\n%s", err, out)
	}
	bin := filepath.Join(root, "usr/bin/vaultlink")
	checkBinaryVersion(t, bin, "--version", want)
	desktop, err := os.ReadFile(filepath.Join(root, "usr/share/applications/io.github.vaultlink.desktop"))
	if err != nil {
		t.Fatal(err)
	}
	checkDesktopEntry(t, desktop)
	icons, _ := filepath.Glob(filepath.Join(root, "usr/share/icons/hicolor/*/apps/io.github.vaultlink.png"))
	if len(icons) != 1 {
		t.Fatalf("want one hicolor icon, found %v", icons)
	}
	if w, h := checkPNG(t, icons[0]); filepath.Base(filepath.Dir(filepath.Dir(icons[0]))) != fmt.Sprintf("%dx%d", w, h) {
		t.Errorf("the icon is %dx%d but installed as %s", w, h, icons[0])
	}
	if first := gunzipFirstLine(t, filepath.Join(root, "usr/share/doc/vaultlink/changelog.gz")); !strings.HasPrefix(first, "vaultlink ("+control["Version"]+") ") {
		t.Errorf("changelog starts %q, want the package's version %s", first, control["Version"])
	}

	checkDebDepends(t, bin, control["Depends"])

	// Not --show-overrides: with it, lintian 2.116 counts overridden tags towards --fail-on.
	out, err := exec.Command("lintian", "--fail-on", "error,warning,info,pedantic", "--display-info", "--pedantic", deb).CombinedOutput()
	if err != nil {
		t.Errorf("lintian (overridden tags are explained in packaging/debian/lintian-overrides): %v\n%s", err, out)
	}
}

// checkDebDepends checks that Depends names the package of every shared library the binary
// links (its ELF NEEDED entries) and of every library GLFW loads with dlopen.
func checkDebDepends(t *testing.T, bin, depends string) {
	t.Helper()
	deps := map[string]bool{}
	for _, alt := range strings.FieldsFunc(depends, func(r rune) bool { return r == ',' || r == '|' }) {
		if f := strings.Fields(alt); len(f) > 0 {
			deps[f[0]] = true
		}
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	needed, err := f.ImportedLibraries()
	if err != nil || len(needed) == 0 {
		t.Fatalf("the binary links no shared libraries? %v %v", needed, err)
	}
	for _, soname := range append(needed, glfwDlopened...) {
		out, err := exec.Command("dpkg-query", "-S", "*/"+soname).Output()
		pkg := ""
		for _, line := range strings.Split(string(out), "\n") {
			if p, path, ok := strings.Cut(line, ": "); ok && strings.Contains(path, "/x86_64-linux-gnu/") {
				pkg, _, _ = strings.Cut(p, ":")
				break
			}
		}
		if err != nil || pkg == "" {
			t.Errorf("no installed package owns %s: %v", soname, err)
			continue
		}
		if !deps[pkg] {
			t.Errorf("the binary needs %s (package %s), which Depends lacks: %s", soname, pkg, depends)
		}
	}
}

// debControl reads the control fields with dpkg-deb --field; continuation lines of a field
// (the long description) are joined with newlines.
func debControl(t *testing.T, deb string) map[string]string {
	t.Helper()
	out, err := exec.Command("dpkg-deb", "--field", deb).Output()
	if err != nil {
		t.Fatalf("dpkg-deb --field: %v", err)
	}
	fields := map[string]string{}
	var last string
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if strings.HasPrefix(line, " ") && last != "" {
			fields[last] += "\n" + line
		} else if k, v, ok := strings.Cut(line, ":"); ok {
			last = k
			fields[k] = strings.TrimSpace(v)
		}
	}
	return fields
}

func gunzipFirstLine(t *testing.T, file string) string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	data, err := io.ReadAll(z)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	first, _, _ := strings.Cut(string(data), "\n")
	return first
}
