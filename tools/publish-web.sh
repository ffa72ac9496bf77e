#!/bin/sh
# Publishes web/ to a stack's static site (deployed with WebSite=true): the files, then a
# config.json naming the stack's API and hosted UI, then a CloudFront invalidation.
# Needs the AWS CLI with credentials; the region is the CLI's (AWS_REGION or its profile).
set -eu
stack=${1:?usage: tools/publish-web.sh STACK_NAME}
cd "$(dirname "$0")/.."

output() {
    aws cloudformation describe-stacks --stack-name "$stack" \
        --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}

bucket=$(output SiteBucketName)
if [ -z "$bucket" ]; then
    echo "publish-web: $stack has no site; deploy it with --parameter-overrides WebSite=true" >&2
    exit 1
fi
site=$(output SiteUrl)
domain=$(output SignInDomain)
if [ -n "$domain" ]; then
    auth=$(printf '{"kind": "cognito", "domain": "%s", "client_id": "%s", "redirect_uri": "%s"}' \
        "$domain" "$(output UserPoolClientId)" "$site")
else
    # Another OIDC issuer (JwtIssuer): the app has no sign-in for it.
    auth='{"kind": "none"}'
fi
config=$(mktemp)
trap 'rm -f "$config"' EXIT
printf '{"api": "%s", "auth": %s}\n' "$(output ApiUrl)" "$auth" >"$config"

# No build step, so no hashed file names: browsers revalidate every file (ETag, 304).
aws s3 cp "$config" "s3://$bucket/config.json" --content-type application/json --cache-control no-cache
aws s3 sync web/ "s3://$bucket/" --delete --exclude config.json --cache-control no-cache
aws cloudfront create-invalidation --distribution-id "$(output SiteDistributionId)" --paths '/*' >/dev/null
echo "publish-web: $site"
