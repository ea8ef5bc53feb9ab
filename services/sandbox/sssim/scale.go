package sssim

import "fmt"

// Scale is how much extra content SeedScale adds, to try VaultLink against a large server.
type Scale struct {
	Secrets, Folders, Templates, Vaults int
}

// LargeServer is issue 12's large server: 5 000 secrets, 300 folders, 200 templates (and some
// external vaults, so the vault list crosses pages too).
var LargeServer = Scale{Secrets: 5000, Folders: 300, Templates: 200, Vaults: 150}

// Names SeedScale gives its content. Many contain the names the practice run looks for
// (templates containing "Amazon IAM Key", secrets containing the practice secrets' names), so
// a search by text matches many records and the one wanted is found only by its exact name.
var (
	scaleTemplateNames = []string{"Amazon IAM Key", "Password", "Web Password", "Unix Account (SSH)"}
	scaleSecretNames   = []string{"App-DB", "AWS-SecretsManager-Integration", PracticePushSecret, "Web Login"}
)

// SeedScale adds content in bulk, straight into the server's data (no HTTP round trips, so a
// benchmark's set-up stays quick): folders under a root folder each, templates and secrets
// whose names share words with the real ones, and inactive and active external vaults.
// Seeding the same server twice adds the content twice.
func (s *Server) SeedScale(sc Scale) {
	s.mu.Lock()
	defer s.mu.Unlock()
	db := s.db
	var folderIDs []int
	for i := range sc.Folders {
		id := db.nextID()
		// Every tenth folder is a root folder; the others sit below the last root.
		f := &folder{ID: id, FolderName: fmt.Sprintf("Team %03d", i), ParentFolderID: -1, FolderTypeID: 1}
		f.FolderPath = `\` + f.FolderName
		if i%10 != 0 {
			parent := db.folder(folderIDs[i-i%10])
			f.ParentFolderID, f.FolderPath = parent.ID, parent.FolderPath+`\`+f.FolderName
		}
		db.Folders = append(db.Folders, f)
		folderIDs = append(folderIDs, id)
	}
	for i := range sc.Templates {
		base := scaleTemplateNames[i%len(scaleTemplateNames)]
		t := &template{ID: db.nextID(), Name: fmt.Sprintf("%s (team %03d)", base, i), Active: i%7 != 0, PasswordTypeID: 1,
			Fields: []templateField{{SecretTemplateFieldID: db.nextID(), FieldSlugName: "password", DisplayName: "Password", Name: "Password", IsPassword: true}}}
		db.Templates = append(db.Templates, t)
	}
	pw := db.template(passwordTemplateID)
	for i := range sc.Secrets {
		folderID := practiceFolderID
		if len(folderIDs) > 0 {
			folderID = folderIDs[i%len(folderIDs)]
		}
		sec := &secret{ID: db.nextID(), Name: fmt.Sprintf("%s-%04d", scaleSecretNames[i%len(scaleSecretNames)], i), FolderID: folderID, SiteID: 1,
			SecretTemplateID: pw.ID, SecretTemplateName: pw.Name, Active: true}
		for _, f := range pw.Fields {
			sec.Items = append(sec.Items, item{ItemID: db.nextID(), FieldID: f.SecretTemplateFieldID, FieldName: f.Name, Slug: f.FieldSlugName, IsPassword: f.IsPassword, IsNotes: f.IsNotes})
		}
		db.Secrets[sec.ID] = sec
	}
	for i := range sc.Vaults {
		v := &vault{ID: db.nextID(), Name: fmt.Sprintf("%012d", 100000000000+i), DisplayName: fmt.Sprintf("Team vault %03d", i),
			ExternalVaultType: awsType, Active: i%3 != 0, SiteID: 1, Region: "eu-west-1"}
		db.Vaults[v.ID] = v
	}
}
