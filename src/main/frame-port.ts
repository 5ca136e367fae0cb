// The frame port's Electron wiring (docs/app.md, "The frame port"): MessageChannelMain for the
// channels, the two inference-side ends transferred to the current utility process. The broker
// (src/core/service/frame-port-broker.ts) holds the logic and is tested under plain Node.
import { MessageChannelMain, type MessagePortMain, type UtilityProcess } from 'electron';
import type { FramePortWiring } from '../core/service/frame-port-broker';
import { mainPortEnd } from './port-end';

export function electronFramePortWiring(
  child: () => UtilityProcess | undefined,
): FramePortWiring<MessagePortMain> {
  return {
    channel: () => {
      const { port1, port2 } = new MessageChannelMain();
      return [port1, port2];
    },
    end: mainPortEnd,
    attach: ({ type, key, frame, control }) => {
      const target = child();
      if (!target) throw new Error('The inference process is not running.');
      // Ports travel in the transfer list (they arrive as event.ports: frame, then control).
      target.postMessage({ type, key }, [frame, control]);
    },
  };
}
