"""moto_server with the CloudFormation IAM resources moto 5.2 lacks, for the export test.

moto's CloudFormation engine (parameters, Ref, Fn::Sub, Fn::GetAtt, ordering, stack status)
is real, but it has no AWS::IAM::Group model and creates AWS::IAM::User without its Groups
and Tags. This adds exactly those, on moto's own IAM backend, as AWS documents them:
  AWS::IAM::Group  GroupName, Path, ManagedPolicyArns; Ref is the group name
  AWS::IAM::User   Groups (names) and Tags, on top of moto's own user model
Nothing else is changed. Usage: python moto_cfn_iam.py -H 127.0.0.1 -p PORT
"""
import sys

from moto.core.common_models import CloudFormationModel
from moto.iam import models as iam
from moto.utilities.utils import get_partition
from moto.server import main


class CfnGroup(CloudFormationModel):
    # moto's model registry takes the service from the module name.
    __module__ = "moto.iam.models"

    @staticmethod
    def cloudformation_name_type():
        return "GroupName"

    @staticmethod
    def cloudformation_type():
        return "AWS::IAM::Group"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json.get("Properties", {})
        backend = iam.iam_backends[account_id][get_partition(region_name)]
        backend.create_group(resource_name, props.get("Path", "/"))
        for arn in props.get("ManagedPolicyArns", []):
            backend.attach_group_policy(arn, resource_name)
        return cls(resource_name)

    def __init__(self, name):
        self.name = name

    @property
    def physical_resource_id(self):
        return self.name


_user_create = iam.User.create_from_cloudformation_json.__func__


def _user_with_groups_and_tags(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    user = _user_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    props = cloudformation_json.get("Properties", {})
    backend = iam.iam_backends[account_id][get_partition(region_name)]
    for group in props.get("Groups", []):
        backend.add_user_to_group(group, user.name)
    if props.get("Tags"):
        backend.tag_user(user.name, props["Tags"])
    return user


iam.User.create_from_cloudformation_json = classmethod(_user_with_groups_and_tags)

if __name__ == "__main__":
    main(sys.argv[1:])
