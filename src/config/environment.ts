/**
 * Names of variables that may hold a secret: no child process (the browser, a helper) gets them.
 * The queue's address may carry the database's password.
 */
const SECRET_NAME = /PASS|SECRET|TOKEN|KEY|CREDENTIAL|QUEUE|DATABASE_URL/i;

/** An environment without anything that may hold a secret (the portal password first), for a child process. */
export function environmentWithoutSecrets(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && !SECRET_NAME.test(name) && name !== 'JD_USER') clean[name] = value;
  }
  return clean;
}
