import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  buildSlackManifest,
  renderSlackManifestYaml,
  SLACK_BOT_SCOPES,
} from '../../../src/chat/slack/slack-manifest.ts';

describe('buildSlackManifest', () => {
  it('describes a Socket Mode app with the slash command, scopes and interactivity', () => {
    expect(buildSlackManifest({ mode: 'socket' })).toEqual({
      _metadata: { major_version: 1, minor_version: 1 },
      display_information: { name: 'rblwatch', description: expect.any(String) },
      features: {
        bot_user: { display_name: 'rblwatch', always_online: true },
        slash_commands: [
          {
            command: '/rbl',
            description: expect.any(String),
            usage_hint: expect.any(String),
            should_escape: false,
          },
        ],
      },
      oauth_config: {
        scopes: { bot: ['commands', 'chat:write', 'chat:write.public', 'usergroups:read', 'users:read'] },
      },
      settings: {
        interactivity: { is_enabled: true },
        org_deploy_enabled: false,
        socket_mode_enabled: true,
        token_rotation_enabled: false,
      },
    });
    expect(SLACK_BOT_SCOPES).toHaveLength(5);
  });

  it('points the command and interactivity at the request URL in HTTP mode', () => {
    const url = 'https://rbl.example.com/slack/events';
    const manifest = buildSlackManifest({
      mode: 'http',
      requestUrl: url,
      appName: 'RBL Ops',
      command: '/blocklist',
    });
    expect(manifest.display_information.name).toBe('RBL Ops');
    expect(manifest.features.bot_user.display_name).toBe('RBL Ops');
    expect(manifest.features.slash_commands[0]).toMatchObject({
      command: '/blocklist',
      url,
      should_escape: false,
    });
    expect(manifest.settings).toEqual({
      interactivity: { is_enabled: true, request_url: url },
      org_deploy_enabled: false,
      socket_mode_enabled: false,
      token_rotation_enabled: false,
    });
  });

  it('keeps descriptions and hints within the schema limits', () => {
    const [command] = buildSlackManifest({ mode: 'socket' }).features.slash_commands;
    expect(command?.description.length).toBeLessThanOrEqual(2_000);
    expect(command?.usage_hint.length).toBeLessThanOrEqual(1_000);
    expect(buildSlackManifest({ mode: 'socket' }).display_information.description.length).toBeLessThanOrEqual(
      140,
    );
  });

  it.each([
    [{ mode: 'http' as const }, /request URL/],
    [{ mode: 'http' as const, requestUrl: 'http://rbl.example.com/slack/events' }, /https/],
    [{ mode: 'http' as const, requestUrl: 'not a url' }, /not a URL/],
    [{ mode: 'socket' as const, command: 'rbl' }, /command/],
    [{ mode: 'socket' as const, command: '/RBL' }, /command/],
    [{ mode: 'socket' as const, command: `/${'a'.repeat(32)}` }, /command/],
    [{ mode: 'socket' as const, appName: 'x'.repeat(36) }, /app name/],
    [{ mode: 'socket' as const, appName: ' ' }, /app name/],
  ])('refuses %o', (options, message) => {
    expect(() => buildSlackManifest(options)).toThrow(message);
  });
});

describe('renderSlackManifestYaml', () => {
  it('renders YAML that parses back to the same manifest', () => {
    const options = { mode: 'http' as const, requestUrl: 'https://rbl.example.com/slack/events' };
    const yaml = renderSlackManifestYaml(options);
    expect(yaml).toContain('slash_commands:');
    expect(yaml).toContain('should_escape: false');
    expect(parse(yaml)).toEqual(buildSlackManifest(options));
  });
});
