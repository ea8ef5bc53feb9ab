package sssim

import (
	"crypto/subtle"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ---- authentication ----

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, 400, map[string]string{"error": "invalid_request"})
		return
	}
	if r.PostForm.Get("grant_type") != "password" {
		writeJSON(w, 400, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	s.mu.Lock()
	s.grants++
	s.mu.Unlock()
	user, pass := r.PostForm.Get("username"), r.PostForm.Get("password")
	if subtle.ConstantTimeCompare([]byte(user), []byte(s.opts.Username)) != 1 || subtle.ConstantTimeCompare([]byte(pass), []byte(s.opts.Password)) != 1 {
		writeJSON(w, 400, map[string]string{"error": "Login failed."})
		return
	}
	if s.opts.OTP != "" && r.Header.Get("OTP") != s.opts.OTP {
		writeJSON(w, 400, map[string]string{"error": "Invalid or missing one-time password (OTP). Two-factor authentication is required."})
		return
	}
	tok := randHex(32)
	s.mu.Lock()
	s.db.Tokens[tok] = s.opts.Now().Add(s.opts.TokenTTL)
	s.mu.Unlock()
	writeJSON(w, 200, map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": int(s.opts.TokenTTL.Seconds())})
}

// authed checks the bearer token. Secret Server documents 403 (AuthenticationFailedResponse)
// for a token that is unknown or expired alike.
func (s *Server) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		s.mu.Lock()
		exp, known := s.db.Tokens[tok]
		if !known && slices.Contains(s.opts.APITokens, tok) {
			exp, known = s.opts.Now().Add(time.Hour), true
		}
		now := s.opts.Now()
		s.mu.Unlock()
		switch {
		case !ok || !known || now.After(exp):
			writeJSON(w, 403, map[string]string{"message": "Authentication failed or expired token."})
		default:
			h(w, r)
		}
	}
}

func (s *Server) getVersion(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, 200, map[string]any{"success": true, "model": map[string]any{"version": s.version()}})
}

func (s *Server) currentUser(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, 200, map[string]any{"id": 2, "userName": s.opts.Username, "displayName": "Practice Administrator", "enabled": true})
}

func (s *Server) expireToken(w http.ResponseWriter, r *http.Request) {
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	s.db.Tokens[tok] = s.opts.Now().Add(-1)
	s.mu.Unlock()
	writeJSON(w, 200, map[string]bool{"success": true})
}

// ---- templates and folders ----

func (s *Server) searchTemplates(w http.ResponseWriter, r *http.Request) {
	text := strings.ToLower(filter(r, "searchText"))
	s.mu.Lock()
	var out []any
	for _, t := range s.db.Templates {
		if strings.Contains(strings.ToLower(t.Name), text) && (t.Active || filter(r, "includeInactive") == "true") {
			out = append(out, map[string]any{"id": t.ID, "name": t.Name, "active": t.Active, "passwordTypeId": t.PasswordTypeID})
		}
	}
	s.mu.Unlock()
	s.writePage(w, r, out)
}

func (s *Server) getTemplate(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	s.mu.Lock()
	t := s.db.template(id)
	s.mu.Unlock()
	if t == nil {
		apiError(w, 404, "API_SecretTemplateNotFound", "Secret Template not found.")
		return
	}
	writeJSON(w, 200, t)
}

func (s *Server) searchFolders(w http.ResponseWriter, r *http.Request) {
	text := strings.ToLower(filter(r, "searchText"))
	s.mu.Lock()
	var out []any
	for _, f := range s.db.Folders {
		if strings.Contains(strings.ToLower(f.FolderName), text) {
			out = append(out, f)
		}
	}
	s.mu.Unlock()
	s.writePage(w, r, out)
}

func (s *Server) getFolder(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	if id == 0 {
		path := r.URL.Query().Get("folderPath")
		for _, f := range s.db.Folders {
			if strings.EqualFold(f.FolderPath, path) {
				writeJSON(w, 200, f)
				return
			}
		}
	} else if f := s.db.folder(id); f != nil {
		writeJSON(w, 200, f)
		return
	}
	apiError(w, 404, "API_FolderNotFound", "Folder not found.")
}

// ---- secrets ----

func (s *Server) secretStub(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	tid, _ := strconv.Atoi(first(q.Get("filter.secretTemplateId"), q.Get("secretTemplateId")))
	fid, _ := strconv.Atoi(first(q.Get("filter.folderId"), q.Get("folderId")))
	s.mu.Lock()
	t := s.db.template(tid)
	s.mu.Unlock()
	if t == nil {
		apiError(w, 400, "API_SecretTemplateNotFound", "Secret Template not found.")
		return
	}
	sec := secret{Name: "", FolderID: fid, SiteID: 1, SecretTemplateID: t.ID, SecretTemplateName: t.Name, Active: true}
	for _, f := range t.Fields {
		sec.Items = append(sec.Items, item{FieldID: f.SecretTemplateFieldID, FieldName: f.Name, Slug: f.FieldSlugName, IsPassword: f.IsPassword, IsFile: f.IsFile, IsNotes: f.IsNotes})
	}
	writeJSON(w, 200, sec)
}

func summary(sec *secret) map[string]any {
	return map[string]any{"id": sec.ID, "name": sec.Name, "folderId": sec.FolderID, "secretTemplateId": sec.SecretTemplateID,
		"secretTemplateName": sec.SecretTemplateName, "siteId": sec.SiteID, "active": sec.Active}
}

func (s *Server) searchSecrets(w http.ResponseWriter, r *http.Request) {
	text := strings.ToLower(filter(r, "searchText"))
	exact := filter(r, "isExactMatch") == "true"
	tid, _ := strconv.Atoi(filter(r, "secretTemplateId"))
	fid, _ := strconv.Atoi(filter(r, "folderId"))
	s.mu.Lock()
	var ids []int
	for id, sec := range s.db.Secrets {
		name := strings.ToLower(sec.Name)
		match := strings.Contains(name, text)
		if exact {
			match = name == text
		}
		if match && (tid == 0 || sec.SecretTemplateID == tid) && (fid == 0 || sec.FolderID == fid) {
			ids = append(ids, id)
		}
	}
	sort.Ints(ids)
	var out []any
	for _, id := range ids {
		out = append(out, summary(s.db.Secrets[id]))
	}
	s.mu.Unlock()
	s.writePage(w, r, out)
}

// names says whether an item sent by a client is for the field of that id and slug: by id
// when it carries one, else by slug.
func (given item) names(fieldID int, slug string) bool {
	if given.FieldID != 0 {
		return given.FieldID == fieldID
	}
	return strings.EqualFold(given.Slug, slug)
}

func (s *Server) createSecret(w http.ResponseWriter, r *http.Request) {
	var in secret
	if err := decode(r, &in); err != nil {
		apiError(w, 400, "API_InvalidRequest", "The request body is not valid JSON.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.db.template(in.SecretTemplateID)
	switch {
	case strings.TrimSpace(in.Name) == "":
		apiError(w, 400, "API_SecretNameRequired", "Secret name is required.")
		return
	case t == nil:
		apiError(w, 400, "API_SecretTemplateNotFound", "Secret Template not found.")
		return
	case in.FolderID > 0 && s.db.folder(in.FolderID) == nil:
		apiError(w, 400, "API_FolderNotFound", "Folder not found.")
		return
	}
	sec := &secret{ID: s.db.nextID(), Name: in.Name, FolderID: in.FolderID, SiteID: max(in.SiteID, 1), SecretTemplateID: t.ID, SecretTemplateName: t.Name, Active: true}
	for _, f := range t.Fields {
		it := item{ItemID: s.db.nextID(), FieldID: f.SecretTemplateFieldID, FieldName: f.Name, Slug: f.FieldSlugName, IsPassword: f.IsPassword, IsFile: f.IsFile, IsNotes: f.IsNotes}
		for _, given := range in.Items {
			if given.names(f.SecretTemplateFieldID, f.FieldSlugName) {
				it.ItemValue = given.ItemValue
			}
		}
		if f.IsRequired && it.ItemValue == "" {
			apiError(w, 400, "API_RequiredFieldMissing", "The field %s is required.", f.Name)
			return
		}
		sec.Items = append(sec.Items, it)
	}
	s.db.Secrets[sec.ID] = sec
	writeJSON(w, 200, sec)
}

func (s *Server) lookupSecret(w http.ResponseWriter, r *http.Request) *secret {
	id, ok := pathID(r)
	s.mu.Lock()
	sec := s.db.Secrets[id]
	s.mu.Unlock()
	if !ok || sec == nil {
		apiError(w, 404, "API_SecretNotFound", "Secret not found.")
		return nil
	}
	return sec
}

func (s *Server) getSecret(w http.ResponseWriter, r *http.Request) {
	if sec := s.lookupSecret(w, r); sec != nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		writeJSON(w, 200, sec)
	}
}

// updateSecret is PUT /api/v1/secrets/{id}: the whole secret is sent back (the vendor SDK
// reads it, changes fields, and writes it). Given items replace the values of their fields
// (matched by field id, else slug); a required field left empty is refused, and nothing is
// changed unless the whole update is valid.
func (s *Server) updateSecret(w http.ResponseWriter, r *http.Request) {
	sec := s.lookupSecret(w, r)
	if sec == nil {
		return
	}
	var in secret
	if err := decode(r, &in); err != nil {
		apiError(w, 400, "API_InvalidRequest", "The request body is not valid JSON.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.db.template(sec.SecretTemplateID)
	switch {
	case in.ID != 0 && in.ID != sec.ID:
		apiError(w, 400, "API_InvalidRequest", "The secret id in the body does not match the URL.")
		return
	case strings.TrimSpace(in.Name) == "":
		apiError(w, 400, "API_SecretNameRequired", "Secret name is required.")
		return
	case t == nil:
		apiError(w, 400, "API_SecretTemplateNotFound", "Secret Template not found.")
		return
	}
	items := slices.Clone(sec.Items)
	for i, it := range items {
		for _, given := range in.Items {
			if given.names(it.FieldID, it.Slug) {
				items[i].ItemValue = given.ItemValue
			}
		}
	}
	for _, f := range t.Fields {
		i := slices.IndexFunc(items, func(it item) bool { return it.FieldID == f.SecretTemplateFieldID })
		if f.IsRequired && (i < 0 || items[i].ItemValue == "") {
			apiError(w, 400, "API_RequiredFieldMissing", "The field %s is required.", f.Name)
			return
		}
	}
	sec.Name, sec.Items = in.Name, items
	writeJSON(w, 200, sec)
}

func (s *Server) deleteSecret(w http.ResponseWriter, r *http.Request) {
	if sec := s.lookupSecret(w, r); sec != nil {
		s.mu.Lock()
		delete(s.db.Secrets, sec.ID)
		s.mu.Unlock()
		writeJSON(w, 200, map[string]any{"id": sec.ID, "objectType": "Secret"})
	}
}

func (s *Server) getSecretField(w http.ResponseWriter, r *http.Request) {
	if sec := s.lookupSecret(w, r); sec != nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, it := range sec.Items {
			if it.Slug == r.PathValue("slug") {
				writeJSON(w, 200, it.ItemValue)
				return
			}
		}
		apiError(w, 404, "API_FieldNotFound", "Field not found.")
	}
}

// writePage answers a search; with EmptySearch404 an empty result is a 404, as on Secret
// Server Cloud.
func (s *Server) writePage(w http.ResponseWriter, r *http.Request, all []any) {
	if len(all) == 0 && s.opts.EmptySearch404 {
		apiError(w, 404, "API_NoResults", "No results found.")
		return
	}
	writeJSON(w, 200, s.paged(r, all))
}
