'use client';
/** Layout effects in the browser, plain effects on the server (where a layout effect warns and never runs). @module */
import { useEffect, useLayoutEffect } from 'react';

/** `useLayoutEffect` where there is a DOM, `useEffect` on the server. */
export const useIsoLayoutEffect = typeof document !== 'undefined' ? useLayoutEffect : useEffect;
