package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// msiUpgradeCode ties every VaultLink MSI together, so that a newer one replaces an older
// one. It must never change: a different code makes Windows install side by side.
const msiUpgradeCode = "{75ED59EE-0871-4E75-8BFB-5A39370276D3}"

// checkMSI checks the Windows installer with msitools (what Windows Installer will read) and
// osslsigncode: the product's name, version and publisher, its upgrade rules, the program
// under Program Files, the Start-menu shortcut with its icon, and the signatures of the MSI
// and of the program extracted from it.
func checkMSI(t *testing.T, dist string) {
	msis, _ := filepath.Glob(filepath.Join(dist, "vaultlink-*-windows-amd64.msi"))
	if len(msis) != 1 {
		t.Fatalf("want one Windows installer, found %v", msis)
	}
	msi := msis[0]
	app, build := installerVersion(t)

	out, err := exec.Command("msiinfo", "suminfo", msi).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Template: x64;1033") {
		t.Errorf("msiinfo suminfo: want a 64-bit package (Template: x64;1033): %v\n%s", err, out)
	}

	prop := map[string]string{}
	for _, row := range msiTable(t, msi, "Property") {
		prop[row["Property"]] = row["Value"]
	}
	for k, v := range map[string]string{
		"ProductName":  "VaultLink",
		"Manufacturer": "VaultLink project",
		// The uninstall entry and the version deployment tools compare: x.y.z from the tag
		// or FyneApp.toml, then the commit count.
		"ProductVersion": app + "." + build,
		"UpgradeCode":    msiUpgradeCode,
		"ALLUSERS":       "1", // per machine
	} {
		if prop[k] != v {
			t.Errorf("Property %s = %q, want %q", k, prop[k], v)
		}
	}
	if prop["ARPPRODUCTICON"] == "" || prop["ARPURLINFOABOUT"] == "" {
		t.Errorf("the uninstall entry has no icon or link: ARPPRODUCTICON=%q ARPURLINFOABOUT=%q", prop["ARPPRODUCTICON"], prop["ARPURLINFOABOUT"])
	}

	checkMSIUpgrade(t, msi, app)

	dirs := map[string]map[string]string{}
	for _, row := range msiTable(t, msi, "Directory") {
		dirs[row["Directory"]] = row
	}
	components := map[string]map[string]string{}
	for _, row := range msiTable(t, msi, "Component") {
		components[row["Component"]] = row
		if attr, _ := strconv.Atoi(row["Attributes"]); attr&256 == 0 {
			t.Errorf("component %s is not marked 64-bit (Attributes %s)", row["Component"], row["Attributes"])
		}
	}

	var exeFile map[string]string
	for _, row := range msiTable(t, msi, "File") {
		if row["FileName"] == "VaultLink.exe" || strings.HasSuffix(row["FileName"], "|VaultLink.exe") {
			exeFile = row
		}
	}
	if exeFile == nil {
		t.Fatal("the File table has no VaultLink.exe")
	}
	installDir := components[exeFile["Component_"]]["Directory_"]
	if d := dirs[installDir]; d["Directory_Parent"] != "ProgramFiles64Folder" || d["DefaultDir"] != "VaultLink" {
		t.Errorf("VaultLink.exe goes to %s = %v, want Program Files\\VaultLink (ProgramFiles64Folder)", installDir, d)
	}

	icons := map[string]bool{}
	for _, row := range msiTable(t, msi, "Icon") {
		icons[row["Name"]] = true
	}
	shortcuts := msiTable(t, msi, "Shortcut")
	if len(shortcuts) != 1 {
		t.Fatalf("want one shortcut, found %v", shortcuts)
	}
	sc := shortcuts[0]
	target := "[" + installDir + "]VaultLink.exe"
	if sc["Directory_"] != "ProgramMenuFolder" || sc["Name"] != "VaultLink" || (sc["Target"] != target && sc["Target"] != "[#"+exeFile["File"]+"]") {
		t.Errorf("shortcut %v: want VaultLink in ProgramMenuFolder, to %s", sc, target)
	}
	if !icons[sc["Icon_"]] || !icons[prop["ARPPRODUCTICON"]] {
		t.Errorf("shortcut icon %q / uninstall icon %q: not in the Icon table %v", sc["Icon_"], prop["ARPPRODUCTICON"], icons)
	}
	ico, err := exec.Command("msiinfo", "extract", msi, "Icon."+sc["Icon_"]).Output()
	if err != nil || !bytes.HasPrefix(ico, []byte{0, 0, 1, 0}) {
		t.Errorf("the shortcut's icon is not a Windows .ico (%v, %d bytes)", err, len(ico))
	}

	verifySignature(t, dist, msi)
	dir := t.TempDir()
	listing, err := exec.Command("msiextract", "-C", dir, msi).CombinedOutput()
	if err != nil {
		t.Fatalf("msiextract: %v\n%s", err, listing)
	}
	extracted := filepath.Join(dir, "VaultLink", "VaultLink.exe")
	if !fileExists(extracted) {
		t.Fatalf("msiextract gave no VaultLink/VaultLink.exe:\n%s", listing)
	}
	verifySignature(t, dist, extracted)
	exes, _ := filepath.Glob(filepath.Join(dist, "vaultlink-*-windows-amd64.exe"))
	inside, err1 := os.ReadFile(extracted)
	beside, err2 := os.ReadFile(exes[0])
	if err1 != nil || err2 != nil || !bytes.Equal(inside, beside) {
		t.Errorf("the program in the MSI is not the signed program in dist/ (%v, %v)", err1, err2)
	}
}

// checkMSIUpgrade checks the Upgrade table: installing removes every VaultLink with the same
// UpgradeCode up to this x.y.z (whatever its build number: Windows ignores the fourth field),
// and only detects newer ones, which a launch condition then refuses.
func checkMSIUpgrade(t *testing.T, msi, app string) {
	t.Helper()
	const onlyDetect, minInclusive, maxInclusive = 2, 256, 512
	var removes, detectsNewer bool
	for _, row := range msiTable(t, msi, "Upgrade") {
		if row["UpgradeCode"] != msiUpgradeCode {
			t.Errorf("Upgrade row for another product: %v", row)
			continue
		}
		attr, _ := strconv.Atoi(row["Attributes"])
		above := func(v string, inclusive bool) bool { // v caps x.y.z from above, as Windows compares
			c := compareVersions(firstThreeFields(v), app)
			return c > 0 || (c == 0 && inclusive)
		}
		if attr&onlyDetect == 0 && compareVersions(row["VersionMin"], "0.0.0") <= 0 &&
			above(row["VersionMax"], attr&maxInclusive != 0) {
			removes = true
		}
		if attr&onlyDetect != 0 && row["VersionMax"] == "" && above(row["VersionMin"], attr&minInclusive == 0) {
			if launch := msiTable(t, msi, "LaunchCondition"); len(launch) == 1 && launch[0]["Condition"] == "NOT "+row["ActionProperty"] {
				detectsNewer = true
			}
		}
	}
	if !removes || !detectsNewer {
		t.Errorf("Upgrade table: removes older and same-x.y.z installs %v, refuses newer ones %v; want both\n%v",
			removes, detectsNewer, msiTable(t, msi, "Upgrade"))
	}
	var removeExisting bool
	for _, row := range msiTable(t, msi, "InstallExecuteSequence") {
		removeExisting = removeExisting || row["Action"] == "RemoveExistingProducts"
	}
	if !removeExisting {
		t.Error("InstallExecuteSequence has no RemoveExistingProducts: an upgrade would leave the old version installed")
	}
}

// firstThreeFields cuts a version to x.y.z: Windows Installer ignores the fourth field when it
// looks for related products (FindRelatedProducts), so 1.2.3.9 and 1.2.3 are the same there.
func firstThreeFields(v string) string {
	f := strings.Split(v, ".")
	if len(f) > 3 {
		f = f[:3]
	}
	return strings.Join(f, ".")
}

// compareVersions compares dotted numeric versions field by field (missing fields are 0).
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// msiTable reads one table of an MSI with msiinfo export: a header row of column names, a
// row of column types, a row naming the table and its keys, then tab-separated rows.
func msiTable(t *testing.T, msi, table string) []map[string]string {
	t.Helper()
	cmd := exec.Command("msiinfo", "export", msi, table)
	cmd.Dir = t.TempDir() // it writes binary columns (the Icon table's) to files here
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("msiinfo export %s: %v", table, err)
	}
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(string(out), "\r\n", "\n"), "\n"), "\n")
	if len(lines) < 3 {
		t.Fatalf("msiinfo export %s: no header:\n%s", table, out)
	}
	cols := strings.Split(lines[0], "\t")
	var rows []map[string]string
	for _, line := range lines[3:] {
		row := map[string]string{}
		for i, v := range strings.Split(line, "\t") {
			if i < len(cols) {
				row[cols[i]] = v
			}
		}
		rows = append(rows, row)
	}
	return rows
}
