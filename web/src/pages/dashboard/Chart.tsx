/** One ECharts instance in a div: set the option on change, follow the box's size, dispose on unmount. */
import { useEffect, useRef } from 'react';
import { echarts, type ChartOption } from './echarts.ts';

export function Chart({ option, height = 300, label }: { option: ChartOption; height?: number | string; label: string }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<ReturnType<typeof echarts.init> | null>(null);

  useEffect(() => {
    const c = echarts.init(el.current!, undefined, { renderer: 'svg' });
    chart.current = c;
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el.current!);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    // notMerge: a relabelled (language switch) or reshaped option replaces the old one entirely.
    chart.current?.setOption(option, { notMerge: true });
  }, [option]);

  // The drawing says little to a screen reader; the label does, and the table view has the figures.
  return <div ref={el} role="img" aria-label={label} style={{ width: '100%', height }} />;
}
