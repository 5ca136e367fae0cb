/**
 * Where the kiosk on this computer keeps its camera and mirror choice (this browser's local
 * storage). Admin's Kiosk camera page writes them; the kiosk only reads them.
 */
export const kioskCameraKey = 'facegate.kiosk.camera';
export const kioskMirrorKey = 'facegate.kiosk.mirrored';
