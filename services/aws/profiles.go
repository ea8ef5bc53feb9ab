package aws

import (
	"os"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
	"gopkg.in/ini.v1"
)

// Profile is one named profile of the admin's AWS configuration.
type Profile struct {
	Name   string
	Kind   string // "sso", "role", "process", "keys" or "other"
	Region string
}

// Profiles lists the profiles in the shared config and credentials files (honouring
// AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE), sorted, "default" first. Missing files
// are simply empty: a machine configured only through the environment has no profiles.
func Profiles() ([]Profile, error) {
	byName := map[string]*Profile{}
	add := func(name string, sec *ini.Section) {
		p := byName[name]
		if p == nil {
			p = &Profile{Name: name, Kind: "other"}
			byName[name] = p
		}
		switch {
		case sec.HasKey("sso_session") || sec.HasKey("sso_start_url"):
			p.Kind = "sso"
		case sec.HasKey("role_arn"):
			p.Kind = "role"
		case sec.HasKey("credential_process"):
			p.Kind = "process"
		case sec.HasKey("aws_access_key_id") && p.Kind == "other":
			p.Kind = "keys"
		}
		if r := sec.Key("region").String(); r != "" {
			p.Region = r
		}
	}
	cfgFile := envOr("AWS_CONFIG_FILE", config.DefaultSharedConfigFilename())
	if f, err := loadINI(cfgFile); err != nil {
		return nil, err
	} else if f != nil {
		for _, sec := range f.Sections() {
			name := sec.Name()
			switch {
			case name == "default":
				add(name, sec)
			case strings.HasPrefix(name, "profile "):
				add(strings.TrimSpace(strings.TrimPrefix(name, "profile ")), sec)
			}
		}
	}
	credFile := envOr("AWS_SHARED_CREDENTIALS_FILE", config.DefaultSharedCredentialsFilename())
	if f, err := loadINI(credFile); err != nil {
		return nil, err
	} else if f != nil {
		for _, sec := range f.Sections() {
			if sec.Name() != ini.DefaultSection {
				add(sec.Name(), sec)
			}
		}
	}
	out := make([]Profile, 0, len(byName))
	for _, p := range byName {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].Name == "default") != (out[j].Name == "default") {
			return out[i].Name == "default"
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

func loadINI(path string) (*ini.File, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, nil
	}
	return ini.LoadSources(ini.LoadOptions{Insensitive: false, AllowNonUniqueSections: false, SkipUnrecognizableLines: true}, path)
}

func envOr(k, d string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return d
}

// EndpointOverrides lists the endpoint settings the SDK will honour from the environment
// (AWS_ENDPOINT_URL and the per-service variables), so the admin sees when calls go somewhere
// other than AWS. Empty when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true.
func EndpointOverrides() map[string]string {
	out := map[string]string{}
	if strings.EqualFold(os.Getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		return out
	}
	for _, k := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SECRETS_MANAGER"} {
		if v := os.Getenv(k); v != "" {
			out[k] = v
		}
	}
	return out
}
