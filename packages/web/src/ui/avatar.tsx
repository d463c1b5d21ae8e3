import { colorSlot, initials } from '../lib/format';

export function Avatar({
  name,
  size = 'md',
  title,
}: {
  name: string;
  size?: 'sm' | 'md' | 'lg';
  title?: string;
}) {
  return (
    <span
      className={`avatar slot-${colorSlot(name)}${size === 'md' ? '' : ` avatar-${size}`}`}
      title={title ?? name}
      role="img"
      aria-label={title ?? name}
    >
      {initials(name)}
    </span>
  );
}

/** A few avatars overlapping, then "+N". */
export function AvatarStack({
  names,
  max = 4,
  size = 'md',
  className = '',
}: {
  names: readonly string[];
  max?: number;
  size?: 'sm' | 'md';
  className?: string;
}) {
  const shown = names.slice(0, max);
  const rest = names.length - shown.length;
  return (
    <span className={`avatar-stack ${className}`}>
      {shown.map((name, i) => (
        <Avatar key={`${name}-${i}`} name={name} size={size} />
      ))}
      {rest > 0 && (
        <span
          className={`avatar avatar-more${size === 'sm' ? ' avatar-sm' : ''}`}
          title={names.slice(max).join(', ')}
        >
          +{rest}
        </span>
      )}
    </span>
  );
}
