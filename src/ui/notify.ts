import { spawn } from 'node:child_process';
import { environmentWithoutSecrets } from '../config/environment.ts';
import { toAscii } from '../text.ts';

/** The command that shows a desktop notification on this system, or null where there is none known. */
export function notificationCommand(
  title: string,
  body: string,
  platform: NodeJS.Platform = process.platform,
): { command: string; args: string[] } | null {
  const safeTitle = toAscii(title).replace(/["\\]/g, "'");
  const safeBody = toAscii(body).replace(/["\\]/g, "'");
  if (platform === 'linux' || platform === 'freebsd')
    return { command: 'notify-send', args: ['--app-name=bookout', safeTitle, safeBody] };
  if (platform === 'darwin')
    return { command: 'osascript', args: ['-e', `display notification "${safeBody}" with title "${safeTitle}"`] };
  if (platform === 'win32') {
    const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const script = [
      '[Windows.UI.Notifications.ToastNotificationManager, Windows.UI.Notifications, ContentType = WindowsRuntime] > $null',
      '[Windows.Data.Xml.Dom.XmlDocument, Windows.Data.Xml.Dom.XmlDocument, ContentType = WindowsRuntime] > $null',
      '$xml = New-Object Windows.Data.Xml.Dom.XmlDocument',
      `$xml.LoadXml('<toast><visual><binding template="ToastGeneric"><text>${xml(safeTitle).replace(/'/g, "''")}</text><text>${xml(safeBody).replace(/'/g, "''")}</text></binding></visual></toast>')`,
      // PowerShell's own app id: an unregistered one shows nothing on Windows 10 and 11.
      "$app = '{1AC14E77-02E7-4E5D-B744-2EB1AE5198B7}\\WindowsPowerShell\\v1.0\\powershell.exe'",
      '[Windows.UI.Notifications.ToastNotificationManager]::CreateToastNotifier($app).Show([Windows.UI.Notifications.ToastNotification]::new($xml))',
    ].join('; ');
    const encoded = Buffer.from(script, 'utf16le').toString('base64');
    return { command: 'powershell.exe', args: ['-NoProfile', '-NonInteractive', '-EncodedCommand', encoded] };
  }
  return null;
}

/**
 * A desktop notification where the system has a way to show one (notify-send on Linux, osascript on
 * macOS, a PowerShell toast on Windows). Never fails: a missing program or a system without a
 * desktop just shows nothing. Resolves when the helper has ended (at most a few seconds).
 */
export function notifyDesktop(title: string, body: string): Promise<void> {
  const found = notificationCommand(title, body);
  if (!found) return Promise.resolve();
  return new Promise((resolve) => {
    try {
      const child = spawn(found.command, found.args, {
        stdio: 'ignore',
        env: environmentWithoutSecrets(),
        windowsHide: true,
        timeout: 10_000,
      });
      child.on('error', () => resolve());
      child.on('close', () => resolve());
      child.unref();
    } catch {
      resolve();
    }
  });
}
