package wizard

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// The IAM steps: module 1 (user, group membership, access key), module 4 (group and its
// policy) and module 5 (the least-privilege policy).

// ---- Module 1 ----

func previewCreateUser(r *run) []string {
	return []string{
		"sts:GetCallerIdentity: show which AWS identity makes the changes (once per connection)",
		fmt.Sprintf("iam:GetUser %q, and iam:CreateUser if it does not exist (tagged as created by VaultLink; AWS answers with the user it made)", r.set("user_name")),
	}
}

func runCreateUser(ctx context.Context, r *run) (StepRecord, error) {
	iam := r.svc.IAM
	r.progress("Checking who you are signed in as")
	id, err := r.s.callerIdentity(ctx, iam)
	if err != nil {
		return StepRecord{}, err
	}
	name := r.set("user_name")
	r.progress("Creating IAM user " + name)
	// Journalled before the call, so clean-up after a crash right after CreateUser still looks
	// at the user (and removes it only if it carries VaultLink's ownership tag).
	if !r.adopt(KindUser, name) {
		if err := r.intend(JournalEntry{EntityRef: EntityRef{KindUser, name}}); err != nil {
			return StepRecord{}, err
		}
	}
	user, err := iam.EnsureUser(ctx, name, r.adopt(KindUser, name))
	if err != nil {
		return StepRecord{}, err
	}
	err = r.journal(JournalEntry{EntityRef: EntityRef{KindUser, user.Name}, ARN: user.ARN, Created: user.Created}, func(p *Progress) {
		p.AccountID, p.CallerARN, p.UserName, p.UserARN = id.Account, id.ARN, user.Name, user.ARN
	})
	if err != nil {
		return StepRecord{}, err
	}
	return StepRecord{
		Summary: adoptedOr(user.Created, "Created IAM user "+user.Name, "IAM user "+user.Name+" already existed and was adopted"),
		Facts:   []Fact{{"Acting as", id.ARN}, {"Account", id.Account}, {"User ARN", user.ARN}},
	}, nil
}

func previewGroup(withUser bool) func(r *run) []string {
	return func(r *run) []string {
		lines := []string{fmt.Sprintf("iam:GetGroup %q, and iam:CreateGroup if it does not exist", r.set("group_name"))}
		if !withUser {
			// Module 4 confirms the group here; its policies are the next step's.
			if r.got().UserName != "" {
				lines = append(lines, fmt.Sprintf("confirm %q is a member (iam:AddUserToGroup and iam:GetGroup only if not)", r.set("user_name")))
			}
			return lines
		}
		switch r.set("group_policy") {
		case "managed":
			lines = append(lines, "iam:AttachGroupPolicy SecretsManagerReadWrite (AWS managed) to the group")
		case "custom":
			lines = append(lines, "no broad policy: the least-privilege policy of module 5 is created and attached to the group")
		}
		if withUser || r.got().UserName != "" {
			lines = append(lines, fmt.Sprintf("iam:AddUserToGroup %q → %q, then iam:GetGroup to confirm membership", r.set("user_name"), r.set("group_name")))
		}
		return lines
	}
}

// ensureGroupSettings makes the group match module 4's settings. Module 1 calls it when the
// user needs a group before module 4 runs, and module 4 calls it again to confirm.
func ensureGroupSettings(ctx context.Context, r *run) (Entity, []Fact, error) {
	group, facts, err := ensureGroup(ctx, r)
	if err != nil {
		return Entity{}, nil, err
	}
	return ensurePolicies(ctx, r, group, facts)
}

// ensureGroup makes sure the group exists (adopting it only with consent) and journals it.
func ensureGroup(ctx context.Context, r *run) (Entity, []Fact, error) {
	name := r.set("group_name")
	r.progress("Making sure IAM group " + name + " exists")
	group, created, err := ensureGroupCrashSafe(ctx, r, name)
	if err != nil {
		return Entity{}, nil, err
	}
	err = r.journal(JournalEntry{EntityRef: EntityRef{KindGroup, group.Name}, ARN: group.ARN, Created: created}, func(p *Progress) {
		p.GroupName = group.Name
	})
	if err != nil {
		return Entity{}, nil, err
	}
	return group, []Fact{{"Group", group.Name}, {"Group ARN", group.ARN}}, nil
}

// ensurePolicies attaches the policy module 4's settings choose (creating the custom one).
func ensurePolicies(ctx context.Context, r *run, group Entity, facts []Fact) (Entity, []Fact, error) {
	iam := r.svc.IAM
	var want string
	switch r.set("group_policy") {
	case "managed":
		want = iam.ManagedPolicyARN(r.s.guide.Defaults["managed_policy"])
		if err := r.record(func(p *Progress) { p.ManagedPolicyARN = want }); err != nil {
			return Entity{}, nil, err
		}
	case "custom":
		pol, err := ensureCustomPolicy(ctx, r)
		if err != nil {
			return Entity{}, nil, err
		}
		want = pol.ARN
	}
	attached, err := ensureAttached(ctx, r, group.Name, want, group.Created)
	if err != nil {
		return Entity{}, nil, err
	}
	facts = append(facts, Fact{"Attached policies", strings.Join(attached, ", ")})
	return group, facts, nil
}

// ensureAttached attaches the policy to the group unless it is attached already (so a rerun
// changes nothing), and verifies by listing the group's policies again after a change. A group
// made just now (fresh) has no policies, so it is not asked first.
func ensureAttached(ctx context.Context, r *run, group, arn string, fresh bool) ([]string, error) {
	iam := r.svc.IAM
	if !fresh {
		attached, err := iam.AttachedGroupPolicies(ctx, group)
		if err != nil || slices.Contains(attached, arn) {
			return attached, err
		}
	}
	r.progress("Attaching " + arn)
	if err := iam.AttachGroupPolicy(ctx, group, arn); err != nil {
		return nil, err
	}
	attached, err := iam.AttachedGroupPolicies(ctx, group)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(attached, arn) {
		return nil, fmt.Errorf("verify: %s is not attached to group %s after attaching it", arn, group)
	}
	return attached, nil
}

func runAddUserToGroup(ctx context.Context, r *run) (StepRecord, error) {
	user, err := need(r.got().UserName, "the IAM user", "Create the IAM user")
	if err != nil {
		return StepRecord{}, err
	}
	group, facts, err := ensureGroupSettings(ctx, r)
	if err != nil {
		return StepRecord{}, err
	}
	if err := addAndVerifyMember(ctx, r, user, group.Name, group.Created); err != nil {
		return StepRecord{}, err
	}
	return StepRecord{Summary: fmt.Sprintf("%s is a member of %s", user, group.Name), Facts: facts}, nil
}

// addAndVerifyMember adds the user unless it is a member already, and verifies by listing the
// members after a change. A group made just now (fresh) has no members, so it is not asked first.
func addAndVerifyMember(ctx context.Context, r *run, user, group string, fresh bool) error {
	iam := r.svc.IAM
	if !fresh {
		members, err := iam.GroupMembers(ctx, group)
		if err != nil || slices.Contains(members, user) {
			return err
		}
	}
	r.progress("Adding " + user + " to " + group)
	if err := iam.AddUserToGroup(ctx, user, group); err != nil {
		return err
	}
	members, err := iam.GroupMembers(ctx, group)
	if err != nil {
		return err
	}
	if !slices.Contains(members, user) {
		return fmt.Errorf("verify: %s is not listed as a member of %s", user, group)
	}
	return nil
}

func previewAccessKey(r *run) []string {
	return []string{
		"Use case: Third-Party Service (a console choice only; the API has no field for it)",
		fmt.Sprintf("iam:ListAccessKeys %q (a user may have at most 2 keys) and compare them with %s: a key VaultLink made whose secret is there is reused; one whose secret was lost (an interrupted run) is deleted only after you agree", r.set("user_name"), r.svc.Keyring.Name()),
		"iam:CreateAccessKey: the secret access key goes straight into " + r.svc.Keyring.Name() + " and is never shown",
		fmt.Sprintf("iam:TagUser key=<new key id> value=%q (the console's description tag)", r.set("description_tag")),
		"sts:GetCallerIdentity with the new key until AWS accepts it (new keys take a few seconds to work)",
	}
}

func runCreateAccessKey(ctx context.Context, r *run) (StepRecord, error) {
	iam, kr := r.svc.IAM, r.svc.Keyring
	user, err := need(r.got().UserName, "the IAM user", "Create the IAM user")
	if err != nil {
		return StepRecord{}, err
	}
	if err := r.s.rotationBlocks(); err != nil {
		return StepRecord{}, err
	}
	keys, err := iam.AccessKeys(ctx, user)
	if err != nil {
		return StepRecord{}, err
	}
	// Reconcile first: reuse a key whose secret is in the keyring, deal with orphans, drop
	// stale keyring entries (reconcile.go).
	rec, err := reconcileKeys(ctx, r, user, keys)
	if err != nil {
		return StepRecord{}, err
	}
	for _, n := range rec.notices {
		r.progress(n)
	}
	var key AccessKey
	adopted := rec.reuse != nil
	if adopted {
		key = *rec.reuse
		r.progress("Reusing access key " + MaskKeyID(key.ID) + " from " + kr.Name())
		if err := r.adoptKey(user, key.ID, true); err != nil {
			return StepRecord{}, err
		}
	} else {
		key, err = createKeyIntoKeyring(ctx, r, user, rec.live, func(id string) error { return r.adoptKey(user, id, true) })
		if err != nil {
			return StepRecord{}, err
		}
	}
	desc := r.set("description_tag")
	// The tags reconcile read a moment ago (a key made just now has no description tag yet).
	tags := rec.tags
	if tags == nil {
		tags = map[string]string{}
	}
	if tags[key.ID] != desc {
		if err := iam.TagUser(ctx, user, key.ID, desc); err != nil {
			return StepRecord{}, fmt.Errorf("the key works but its description tag could not be set: %w", err)
		}
		if tags, err = iam.UserTags(ctx, user); err != nil {
			return StepRecord{}, err
		}
	}
	r.progress("Waiting until AWS accepts the new key")
	who, err := iam.WaitForKey(ctx, key, r.progress)
	if err != nil {
		return StepRecord{}, err
	}
	if want := r.got().UserARN; want != "" && who.ARN != want {
		return StepRecord{}, fmt.Errorf("verify: the new key signs in as %s, expected %s", who.ARN, want)
	}
	if tags[key.ID] != desc {
		return StepRecord{}, fmt.Errorf("verify: the description tag of key %s reads %q, expected %q", MaskKeyID(key.ID), tags[key.ID], desc)
	}
	stored, err := kr.Load(r.got().KeyringRef)
	if err != nil || !stored.Equal(key.Secret) {
		return StepRecord{}, fmt.Errorf("verify: the secret in %s does not match the new key (%v)", kr.Name(), err)
	}
	summary := adoptedOr(!adopted, "Access key created and stored in "+kr.Name(), "Access key reused from "+kr.Name())
	if len(rec.notices) > 0 {
		summary += "; " + strings.Join(rec.notices, "; ")
	}
	return StepRecord{
		Summary: summary,
		Facts: []Fact{
			{"Access key ID", MaskKeyID(key.ID)},
			{"Secret access key", "stored in " + kr.Name() + " (never shown)"},
			{"Description tag", desc},
			{"Signs in as", who.ARN},
		},
	}, nil
}

// ---- Module 4 ----

// runEnsureGroup confirms the group and the user's membership. Its policies are the next
// step's (attach-policy), so they are not ensured here as well.
func runEnsureGroup(ctx context.Context, r *run) (StepRecord, error) {
	group, facts, err := ensureGroup(ctx, r)
	if err != nil {
		return StepRecord{}, err
	}
	if user := r.got().UserName; user != "" {
		if err := addAndVerifyMember(ctx, r, user, group.Name, group.Created); err != nil {
			return StepRecord{}, err
		}
		facts = append(facts, Fact{"Members include", user})
	}
	return StepRecord{Summary: adoptedOr(group.Created, "Group "+group.Name+" created", "Group "+group.Name+" confirmed"), Facts: facts}, nil
}

func previewAttachGroupPolicy(r *run) []string {
	if r.set("group_policy") == "custom" {
		return []string{"custom chosen: the broad SecretsManagerReadWrite policy is not attached", "iam:ListAttachedGroupPolicies: confirm the group's policies"}
	}
	return []string{"iam:ListAttachedGroupPolicies: is arn:aws:iam::aws:policy/SecretsManagerReadWrite attached already?", "if not: iam:AttachGroupPolicy, then iam:ListAttachedGroupPolicies to confirm it"}
}

func runAttachGroupPolicy(ctx context.Context, r *run) (StepRecord, error) {
	summary := "SecretsManagerReadWrite attached to the group"
	if r.set("group_policy") == "custom" {
		summary = "Least-privilege custom policy attached to the group (no broad policy)"
	}
	// The group was confirmed by the step before, and the policy module 1 attached is
	// usually still there: one look at the group's policies verifies that. Anything else
	// (another group or policy name, a detached policy) gets the full ensure.
	if group, want := r.got().GroupName, r.attachedPolicyWanted(); group == r.set("group_name") && want != "" {
		attached, err := r.svc.IAM.AttachedGroupPolicies(ctx, group)
		if err == nil && slices.Contains(attached, want) {
			return StepRecord{Summary: summary, Facts: []Fact{{"Group", group}, {"Attached policies", strings.Join(attached, ", ")}}}, nil
		}
	}
	_, facts, err := ensureGroupSettings(ctx, r)
	if err != nil {
		return StepRecord{}, err
	}
	return StepRecord{Summary: summary, Facts: facts}, nil
}

// attachedPolicyWanted is the ARN module 4's settings want on the group, when it is known
// without asking AWS ("" when not).
func (r *run) attachedPolicyWanted() string {
	switch r.set("group_policy") {
	case "managed":
		return r.svc.IAM.ManagedPolicyARN(r.s.guide.Defaults["managed_policy"])
	case "custom":
		if arn := r.got().PolicyARN; strings.HasSuffix(arn, ":policy/"+r.set("policy_name")) {
			return arn
		}
	}
	return ""
}

// ---- Module 5 ----

func (r *run) policy() (PolicyDocument, error) {
	var specific []string
	if r.set("resource_scope") == "specific" {
		specific = strings.Split(r.set("secret_arns"), ",")
		if len(strings.TrimSpace(r.set("secret_arns"))) == 0 {
			return PolicyDocument{}, fmt.Errorf("specific resources were chosen but none were given: list secret names, name prefixes ending in /, or ARNs")
		}
	}
	p := r.got()
	region := orDefault(p.Region, orDefault(r.set("region"), "us-east-1"))
	account := orDefault(p.AccountID, "<account>")
	return LeastPrivilegePolicy(region, account, specific)
}

func previewDraftPolicy(r *run) []string {
	lines := []string{
		"List: " + strings.Join(ListActions, ", "),
		"Read: " + strings.Join(ReadActions, ", "),
		"Write: " + strings.Join(WriteActions, ", "),
	}
	if d, err := r.policy(); err == nil {
		lines = append(lines, "Policy JSON:\n"+d.JSON())
	} else {
		lines = append(lines, "Policy cannot be built yet: "+err.Error())
	}
	return lines
}

func runDraftPolicy(_ context.Context, r *run) (StepRecord, error) {
	d, err := r.policy()
	if err != nil {
		return StepRecord{}, err
	}
	want := sortedCopy(RequiredActions())
	if got := d.AllowedActions(); !slices.Equal(got, want) {
		return StepRecord{}, fmt.Errorf("verify: the draft allows %v, expected exactly %v", got, want)
	}
	if err := r.record(func(p *Progress) { p.PolicyDocument = d.JSON() }); err != nil {
		return StepRecord{}, err
	}
	return StepRecord{
		Summary: "Policy drafted with exactly the seven actions",
		Facts:   []Fact{{"Resources", orDefault(r.set("secret_arns"), "All (*)")}, {"Policy JSON", d.JSON()}},
	}, nil
}

func previewEnsurePolicy(r *run) []string {
	return []string{
		fmt.Sprintf("iam:CreatePolicy %q with the JSON below (or reuse it; a changed document becomes a new default version)", r.set("policy_name")),
		"iam:GetPolicy / GetPolicyVersion: read the stored document back and compare",
		"Policy JSON:\n" + orDefault(r.got().PolicyDocument, "(run the previous step to draft it)"),
	}
}

// ensureCustomPolicy creates (or adopts and updates) the least-privilege policy and checks the
// stored document is the one intended.
func ensureCustomPolicy(ctx context.Context, r *run) (Entity, error) {
	d, err := r.policy()
	if err != nil {
		return Entity{}, err
	}
	iam := r.svc.IAM
	name := r.set("policy_name")
	r.progress("Creating policy " + name)
	// Journalled before the call: a crash right after CreatePolicy leaves a policy clean-up
	// still finds (its ARN follows from the account; it is removed only if tagged as ours).
	if !r.adopt(KindPolicy, name) {
		if err := r.intend(JournalEntry{EntityRef: EntityRef{KindPolicy, name}}); err != nil {
			return Entity{}, err
		}
	}
	pol, err := iam.EnsurePolicy(ctx, name, d.JSON(), "Least privilege for Delinea Secret Server's AWS Secrets Manager external vault (VaultLink)", r.adopt(KindPolicy, name))
	if err != nil {
		return Entity{}, err
	}
	if err := r.journal(JournalEntry{EntityRef: EntityRef{KindPolicy, pol.Name}, ARN: pol.ARN, Created: pol.Created}, nil); err != nil {
		return Entity{}, err
	}
	text, err := iam.PolicyDocument(ctx, pol.ARN)
	if err != nil {
		return Entity{}, err
	}
	stored, err := ParsePolicyDocument(text)
	if err != nil {
		return Entity{}, err
	}
	if !SamePolicy(stored, d) {
		return Entity{}, fmt.Errorf("verify: the stored document of %s differs from the one VaultLink wrote", pol.ARN)
	}
	return pol, r.record(func(p *Progress) { p.PolicyARN, p.PolicyDocument = pol.ARN, d.JSON() })
}

func runEnsurePolicy(ctx context.Context, r *run) (StepRecord, error) {
	pol, err := ensureCustomPolicy(ctx, r)
	if err != nil {
		return StepRecord{}, err
	}
	return StepRecord{
		Summary: adoptedOr(pol.Created, "Policy "+pol.Name+" created", "Policy "+pol.Name+" already existed and matches"),
		Facts:   []Fact{{"Policy ARN", pol.ARN}, {"Allowed actions", strings.Join(RequiredActions(), ", ")}},
	}, nil
}

func previewAttachCustom(r *run) []string {
	return []string{fmt.Sprintf("iam:AttachGroupPolicy %s → %q", orDefault(r.got().PolicyARN, "<custom policy>"), r.set("group_name")), "iam:ListAttachedGroupPolicies: confirm"}
}

func runAttachCustom(ctx context.Context, r *run) (StepRecord, error) {
	arn, err := need(r.got().PolicyARN, "the custom policy", "Set the resources and create the policy")
	if err != nil {
		return StepRecord{}, err
	}
	group, err := need(r.got().GroupName, "the IAM group", "Create the user group (module 4)")
	if err != nil {
		return StepRecord{}, err
	}
	attached, err := ensureAttached(ctx, r, group, arn, false)
	if err != nil {
		return StepRecord{}, err
	}
	return StepRecord{Summary: "Custom policy attached to " + group, Facts: []Fact{{"Attached policies", strings.Join(attached, ", ")}}}, nil
}
