/**
 * Track, then recognise (docs/DESIGN.md, the flow of one frame): the inference host follows faces
 * across the frames of one kiosk and embeds a track's face only when it is needed. These are the
 * defaults; they trade work for how soon a swap nobody saw is caught, never what is decided
 * (the access policy asks for a fresh embedding of the main face whenever it may decide).
 */
export interface RecognitionSchedule {
  /** Embed a track's face again after this many frames without one. */
  everyFrames: number;
  /**
   * ... and the main face (the one the access policy and the kiosk's greeting follow) after this
   * many: a person swapped into the main face's place is seen within these frames.
   */
  mainEveryFrames: number;
  /** ... or after this many milliseconds without one. */
  everyMs: number;
  /** ... or when its quality (detection score x shorter box side) grew by this factor. */
  qualityGain: number;
  /**
   * Re-verifications (the embeddings due by frames or time alone) per frame at most; the main
   * face's goes first, the others wait their turn. New tracks, clearly better faces and the main
   * face the policy may decide on are embedded whatever this says.
   */
  reverifyPerFrame: number;
}

export const defaultRecognitionSchedule: RecognitionSchedule = Object.freeze({
  everyFrames: 10,
  mainEveryFrames: 3,
  everyMs: 500,
  qualityGain: 1.25,
  reverifyPerFrame: 1,
});
