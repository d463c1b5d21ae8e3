import { labelPalette } from '@switchboard/core';

/**
 * The label colours as CSS classes (`lc-red`, …), made from core's
 * labelPalette so the palette is defined once (its contrast is tested there).
 */
export function labelStyleSheet(): string {
  const rules: string[] = [];
  for (const [name, swatch] of Object.entries(labelPalette)) {
    rules.push(`.lc-${name}{background:${swatch.light.background};color:${swatch.light.text}}`);
    rules.push(
      `:root[data-theme='dark'] .lc-${name}{background:${swatch.dark.background};color:${swatch.dark.text}}`,
    );
  }
  return rules.join('\n');
}

export function installLabelStyles(doc: Document = document): void {
  if (doc.getElementById('label-palette')) return;
  const style = doc.createElement('style');
  style.id = 'label-palette';
  style.textContent = labelStyleSheet();
  doc.head.appendChild(style);
}
