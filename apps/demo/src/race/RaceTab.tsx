export function RaceTab(_props: { ready?: boolean }) { return <p>RaceTab coming</p>; }
