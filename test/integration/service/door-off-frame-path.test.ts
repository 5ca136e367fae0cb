import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FrameResult } from '../../../src/shared/contract';
import { skipWithout } from '../../helpers/fixtures';
import { hasSharedFaces, identityPhotos } from '../../helpers/paths';
import { RelayBoardSimulator } from '../../helpers/relay-board';
import { createPtyPair, disposeAllPtyPairs, hasSocat, type PtyPair } from '../../helpers/socat';
import { withSensorNoise } from './camera-frames';
import { photoFrame, startService, type Harness } from './service-harness';

/**
 * Issue 19: the door pulse and the attendance write leave the frame request. A relay board that
 * does not answer (a Modbus board gone silent, 2 s reply timeout) must not hold the kiosk's frames:
 * the deciding frame's result says "opening", the next frames are processed while the pulse waits,
 * and the access.decision event says how it went ("fault", so the kiosk asks to call reception).
 */
describe.skipIf(skipWithout('../shared/faces and socat', hasSharedFaces && hasSocat))(
  'a slow door does not hold the frame path (needs ../shared/faces, socat)',
  () => {
    let h: Harness;
    let pty: PtyPair;
    let board: RelayBoardSimulator;

    beforeAll(async () => {
      h = await startService();
      pty = await createPtyPair();
      board = await RelayBoardSimulator.attach(pty.boardPath, { protocol: 'modbus' });
      await h.call('settings.set', {
        patch: {
          liveness: { requiredForDoor: false },
          door: {
            enabled: true,
            pulseSeconds: 0.3,
            relay: { driver: 'modbus', port: pty.devicePath, replyTimeoutMs: 2000 },
          },
        },
      });
      const katy = identityPhotos().filter((p) => p.identity === 'katy');
      const personId = (await h.call('people.create', { name: 'Katy' })).id;
      const enrolled = await h.call('enrol.fromPhoto', {
        personId,
        fileName: katy[0].file,
        data: readFileSync(katy[0].path),
      });
      expect(enrolled.accepted, enrolled.message).toBe(true);
    }, 120_000);
    afterAll(async () => {
      await h?.close();
      await board?.close();
      await disposeAllPtyPairs();
    });

    it('answers the deciding frame with "opening", keeps processing frames, then pushes the fault', async () => {
      board.behaviour = { reply: 'silent', exceptionCode: 4 };
      const frame = await photoFrame(identityPhotos().filter((p) => p.identity === 'katy')[1].path);
      const send = (i: number) =>
        h.call(
          'frames.submit',
          { ...frame, data: withSensorNoise(frame.data, 1000 + i), timestamp: i },
          h.kiosk,
        );
      let decided: Extract<FrameResult, { status: 'processed' }> | undefined;
      let i = 0;
      for (; i < 10 && !decided?.decision; i++) {
        const result = await send(i);
        if (result.status === 'processed') decided = result;
      }
      const decision = decided?.decision;
      expect(decision).toMatchObject({
        kind: 'granted',
        door: 'opening',
        doorOpened: false,
        attendance: null,
      });
      const settledYet = () =>
        h.events.some(
          (e) => e.name === 'access.decision' && (e.payload as { id?: number }).id === decision?.id,
        );
      // The board has not answered yet: the pulse is still waiting, and frames still flow.
      const next = await send(i + 1);
      expect(next.status).toBe('processed');
      expect(settledYet()).toBe(false);
      const settled = await h.next('access.decision', (d) => d.id === decision?.id, { timeoutMs: 10_000 });
      expect(settled).toMatchObject({ kind: 'granted', door: 'fault', doorOpened: false });
      // The attendance event was written after the frame's result went, and says the door stayed shut.
      expect(settled.attendance?.kind).toBe('check_in');
      const { events } = await h.call('events.query', { kinds: ['check_in'] });
      expect(events[0]).toMatchObject({ kind: 'check_in', doorOpened: false });
      board.behaviour = { reply: 'normal', exceptionCode: 4 };
    }, 60_000);
  },
);
