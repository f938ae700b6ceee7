// Runs aws-cdk-lib's own custom resource provider framework (the `onEvent` handler of
// `custom-resources/lib/provider-framework/runtime/framework.js`, the code a CDK `Provider`
// deploys as its framework Lambda function, handler `framework.onEvent`) on one CloudFormation
// event, as the Lambda Node.js runtime would run it:
//
//   node relay.mjs <lambda-endpoint> <user-on-event-function-arn> < event.json
//
// - The framework's environment is set as the `Provider` construct sets it:
//   USER_ON_EVENT_FUNCTION_ARN names the user's onEvent function (ours); the event's
//   ServiceToken names the framework's own function.
// - The framework's Lambda client (AWS SDK v3, which the Lambda Node.js runtime provides and
//   test-tools/cdk-relay installs) is pointed at <lambda-endpoint> through the SDK's standard
//   AWS_ENDPOINT_URL_LAMBDA. Region and credentials come from the environment, as in Lambda.
// - framework.js and its siblings are loaded unchanged. The one change: the framework sends its
//   answer with `https.request({hostname, path, method: "PUT", ...})` (outbound.js), so always
//   TLS on port 443; when the event's ResponseURL is plain http (the tests' loopback
//   ResponseServer), exactly that request — same hostname, same path and query — is sent with
//   `http.request` to the ResponseURL's port instead. Method, headers, body, status handling and
//   the framework's retries are its own. Every other request is untouched.
//
// Exits 0 when the framework's handler returns (it has answered CloudFormation, SUCCESS or
// FAILED), 1 when it throws (in Lambda: a failed async invocation, which Lambda would retry),
// 2 on a usage error. The framework's own log lines go to stdout.

import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import http from "node:http";
import https from "node:https";

const here = path.dirname(fileURLToPath(import.meta.url));
// aws-cdk-lib's "exports" map does not export the runtime folder: load it by its path.
const FRAMEWORK_JS = path.join(
  here,
  "node_modules/aws-cdk-lib/custom-resources/lib/provider-framework/runtime/framework.js",
);

const [lambdaEndpoint, userFunctionArn, eventFile] = process.argv.slice(2);
if (!lambdaEndpoint || !userFunctionArn) {
  console.error("usage: node relay.mjs <lambda-endpoint> <user-on-event-function-arn> [event.json] (else the event on stdin)");
  process.exit(2);
}
const event = JSON.parse(readFileSync(eventFile ?? 0, "utf8"));

process.env.AWS_ENDPOINT_URL_LAMBDA = lambdaEndpoint;
process.env.USER_ON_EVENT_FUNCTION_ARN = userFunctionArn;
// As the Lambda runtime sets it for the framework function (the ServiceToken's function).
const serviceToken = String(event.ResourceProperties?.ServiceToken ?? event.ServiceToken ?? "");
process.env.AWS_LAMBDA_FUNCTION_NAME ??= serviceToken.split(":")[6] ?? "provider-framework-onEvent";

// The only change to the framework's behaviour: a plain-http ResponseURL is PUT over http.
const answerUrl = typeof event.ResponseURL === "string" ? new URL(event.ResponseURL) : undefined;
if (answerUrl?.protocol === "http:") {
  const httpsRequest = https.request;
  https.request = function (options, ...rest) {
    if (
      options && typeof options === "object" && !(options instanceof URL) &&
      options.hostname === answerUrl.hostname &&
      options.path === answerUrl.pathname + answerUrl.search &&
      options.port === undefined
    ) {
      return http.request({ ...options, port: Number(answerUrl.port || 80) }, ...rest);
    }
    return httpsRequest.call(this, options, ...rest);
  };
}

const require = createRequire(import.meta.url);
const framework = require(FRAMEWORK_JS);

// What the Lambda Node.js runtime passes besides the event; the framework does not read it.
const context = {
  functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
  invokedFunctionArn: serviceToken,
  awsRequestId: `relay-${process.pid}`,
  getRemainingTimeInMillis: () => 15 * 60 * 1000,
};

try {
  await framework.onEvent(event, context);
} catch (e) {
  console.error("framework onEvent threw:", e?.stack ?? e);
  process.exit(1);
}
