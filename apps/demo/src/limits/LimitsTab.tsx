export function LimitsTab(_props: { ready?: boolean }) { return <p>LimitsTab coming</p>; }
