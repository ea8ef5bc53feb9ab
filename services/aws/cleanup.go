package aws

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/vaultlink/vaultlink/wizard"
)

// Cleanup removes what VaultLink created, in the order IAM requires: each user's access keys
// (and their description tags), group memberships and policies; the custom policies'
// attachments and old versions, then the policies; the groups' members and policies, then
// the groups; then the users. Users and policies are touched only when they carry VaultLink's
// ownership tag; groups are removed as listed (the wizard lists only those its journal shows
// it created). Anything already gone counts as removed.
func (c *Client) Cleanup(ctx context.Context, t wizard.CleanupTargets, progress func(string)) ([]string, error) {
	var done []string
	step := func(msg string) { done = append(done, msg); progress(msg) }
	// What an ensure learned about a policy is no longer true once clean-up starts.
	c.mu.Lock()
	c.learned = nil
	c.mu.Unlock()
	var owned []string
	for _, user := range t.Users {
		ok, err := c.userOwned(ctx, user)
		if err != nil {
			return done, err
		}
		if !ok {
			continue
		}
		owned = append(owned, user)
		if err := c.detachUser(ctx, user, step); err != nil {
			return done, err
		}
	}
	for _, arn := range t.PolicyARNs {
		if err := c.removePolicy(ctx, arn, step); err != nil {
			return done, err
		}
	}
	for _, group := range t.Groups {
		if err := c.removeGroup(ctx, group, step); err != nil {
			return done, err
		}
	}
	for _, user := range owned {
		if _, err := c.iam.DeleteUser(ctx, &iam.DeleteUserInput{UserName: &user}); err != nil && !isGone(err) {
			return done, fmt.Errorf("delete user %s: %w", user, c.friendly(err))
		}
		step("deleted IAM user " + user)
	}
	return done, nil
}

// userOwned says whether the user exists and carries VaultLink's ownership tag.
func (c *Client) userOwned(ctx context.Context, user string) (bool, error) {
	tags, err := c.UserTags(ctx, user)
	switch {
	case isGone(err):
		return false, nil
	case err != nil:
		return false, err
	}
	return tags[OwnerTagKey] == OwnerTagValue, nil
}

// detachUser removes a user's access keys, group memberships and attached policies, which IAM
// requires before the user can be deleted.
func (c *Client) detachUser(ctx context.Context, user string, step func(string)) error {
	keys, err := c.AccessKeys(ctx, user)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if _, err := c.iam.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: &user, AccessKeyId: &k.ID}); err != nil && !isGone(err) {
			return fmt.Errorf("delete access key of %s: %w", user, c.friendly(err))
		}
		if _, err := c.iam.UntagUser(ctx, &iam.UntagUserInput{UserName: &user, TagKeys: []string{k.ID}}); err != nil && !isGone(err) {
			return fmt.Errorf("remove the key's description tag: %w", c.friendly(err))
		}
		step("deleted access key " + wizard.MaskKeyID(k.ID) + " of " + user)
	}
	groups, err := c.iam.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: &user})
	if err != nil && !isGone(err) {
		return fmt.Errorf("list groups of %s: %w", user, c.friendly(err))
	}
	if groups != nil {
		for _, g := range groups.Groups {
			if _, err := c.iam.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{UserName: &user, GroupName: g.GroupName}); err != nil && !isGone(err) {
				return fmt.Errorf("remove %s from %s: %w", user, aws.ToString(g.GroupName), c.friendly(err))
			}
			step("removed " + user + " from group " + aws.ToString(g.GroupName))
		}
	}
	attached, err := c.iam.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: &user})
	if err != nil && !isGone(err) {
		return fmt.Errorf("list policies of %s: %w", user, c.friendly(err))
	}
	if attached != nil {
		for _, p := range attached.AttachedPolicies {
			if _, err := c.iam.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: &user, PolicyArn: p.PolicyArn}); err != nil && !isGone(err) {
				return fmt.Errorf("detach %s from %s: %w", aws.ToString(p.PolicyArn), user, c.friendly(err))
			}
		}
	}
	return nil
}

func isGone(err error) bool { return err != nil && isCode(err, "NoSuchEntity") }

func (c *Client) removePolicy(ctx context.Context, arn string, step func(string)) error {
	pol, err := c.iam.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: &arn})
	if isGone(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read policy %s: %w", arn, c.friendly(err))
	}
	owned, err := c.policyOwned(ctx, arn)
	if err != nil {
		return err
	}
	if !owned {
		step("left policy " + arn + " in place: VaultLink did not create it")
		return nil
	}
	ents, err := c.iam.ListEntitiesForPolicy(ctx, &iam.ListEntitiesForPolicyInput{PolicyArn: &arn})
	if err != nil {
		return fmt.Errorf("list what uses %s: %w", arn, c.friendly(err))
	}
	for _, g := range ents.PolicyGroups {
		if _, err := c.iam.DetachGroupPolicy(ctx, &iam.DetachGroupPolicyInput{GroupName: g.GroupName, PolicyArn: &arn}); err != nil && !isGone(err) {
			return fmt.Errorf("detach %s from %s: %w", arn, aws.ToString(g.GroupName), c.friendly(err))
		}
		step("detached the custom policy from group " + aws.ToString(g.GroupName))
	}
	for _, u := range ents.PolicyUsers {
		if _, err := c.iam.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: u.UserName, PolicyArn: &arn}); err != nil && !isGone(err) {
			return fmt.Errorf("detach %s from %s: %w", arn, aws.ToString(u.UserName), c.friendly(err))
		}
	}
	for _, r := range ents.PolicyRoles {
		if _, err := c.iam.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: r.RoleName, PolicyArn: &arn}); err != nil && !isGone(err) {
			return fmt.Errorf("detach %s from role %s: %w", arn, aws.ToString(r.RoleName), c.friendly(err))
		}
	}
	versions, err := c.iam.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: &arn})
	if err != nil {
		return fmt.Errorf("list versions of %s: %w", arn, c.friendly(err))
	}
	for _, v := range versions.Versions {
		if !v.IsDefaultVersion {
			if _, err := c.iam.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: &arn, VersionId: v.VersionId}); err != nil && !isGone(err) {
				return fmt.Errorf("delete version %s of %s: %w", aws.ToString(v.VersionId), arn, c.friendly(err))
			}
		}
	}
	if _, err := c.iam.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: &arn}); err != nil && !isGone(err) {
		return fmt.Errorf("delete policy %s: %w", arn, c.friendly(err))
	}
	step("deleted policy " + aws.ToString(pol.Policy.PolicyName))
	return nil
}

func (c *Client) removeGroup(ctx context.Context, name string, step func(string)) error {
	members, err := c.GroupMembers(ctx, name)
	if isGone(err) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, u := range members {
		if _, err := c.iam.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: &name, UserName: &u}); err != nil && !isGone(err) {
			return fmt.Errorf("remove %s from %s: %w", u, name, c.friendly(err))
		}
		step("removed " + u + " from group " + name)
	}
	attached, err := c.AttachedGroupPolicies(ctx, name)
	if err != nil {
		return err
	}
	for _, arn := range attached {
		if _, err := c.iam.DetachGroupPolicy(ctx, &iam.DetachGroupPolicyInput{GroupName: &name, PolicyArn: &arn}); err != nil && !isGone(err) {
			return fmt.Errorf("detach %s from %s: %w", arn, name, c.friendly(err))
		}
		step("detached " + arn + " from group " + name)
	}
	if _, err := c.iam.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: &name}); err != nil && !isGone(err) {
		return fmt.Errorf("delete group %s: %w", name, c.friendly(err))
	}
	step("deleted IAM group " + name)
	return nil
}

func hasOwnerTag(tags []iamtypes.Tag) bool {
	for _, t := range tags {
		if aws.ToString(t.Key) == OwnerTagKey && aws.ToString(t.Value) == OwnerTagValue {
			return true
		}
	}
	return false
}
