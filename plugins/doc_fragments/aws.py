# Copyright: pathwarden contributors
# Apache License 2.0 (see LICENSE)
"""AWS authentication and endpoint options (the standard credential chain is used)."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  regions:
    description:
      - Regions to discover. Default every enabled region of the account.
    type: list
    elements: str
  profile:
    description:
      - AWS profile; default the standard credential chain (environment, SSO, instance role).
    type: str
  endpoint_url:
    description:
      - An EC2-compatible endpoint. C(AWS_ENDPOINT_URL) in the environment works too.
    type: str
notes:
  - Credentials come from the standard AWS chain (C(AWS_PROFILE), C(AWS_ACCESS_KEY_ID), SSO,
    instance roles); no secret is ever a module option.
requirements:
  - boto3 (pip install 'pathwarden[aws]')
"""
