/* SPDX-License-Identifier: MIT */
/*
 * The hooks the generic kernel core needs from an architecture (console, stopping,
 * unwinding). The memory-management HAL lives in include/mm/.
 *
 * Each arch/<arch>/ must provide every function declared here; there are no weak
 * defaults, so a port that forgets one fails to link. Arch-private inline helpers
 * come from <arch/cpu.h> under arch/<arch>/include/.
 *
 * Boot contract: the arch's entry code sets up a stack, enables paging with the
 * kernel at its link address, installs trap handlers, brings up the console, fills
 * a struct boot_info (<kern/boot.h>) and calls kernel_main() on the boot CPU.
 */
#ifndef KERN_ARCH_H
#define KERN_ARCH_H

#include <kern/types.h>

struct cpuset;
struct thread;

/* Write one byte to the kernel console (polled; usable with interrupts off and in panic). */
void arch_console_putc(char c);

/* Stop this CPU for good: interrupts off, wait forever. */
__noreturn void arch_halt(void);

/*
 * Power the machine off with a verdict. @success: every requested test passed and
 * nothing went wrong. Under QEMU this ends the emulator with an exit status that
 * scripts/run maps to 0 (success) or non-zero (failure). If the platform cannot
 * power off, the CPU halts.
 */
__noreturn void arch_shutdown(bool success);

/*
 * One step of a frame-pointer unwind: given the frame pointer @*fp of a frame,
 * set @*pc to its return address and @*fp to the caller's frame pointer.
 * Returns false when there is no further frame (or @*fp is not a plausible
 * kernel stack address). Must not fault on any input.
 */
bool arch_unwind_frame(uintptr_t *fp, uintptr_t *pc);

/*
 * Reach the devices the arch's kernel code uses (console UART, power-off device,
 * interrupt controllers) through ioremap() from here on, instead of the boot
 * mappings. Called once by mm_init() right after the switch to the kernel's own
 * page table, before anything may print: the boot mappings are gone by then. If
 * a device cannot be mapped, the arch falls back to a firmware path (or to none),
 * never to a stale address.
 */
void arch_devices_init(void);

/*
 * Non-local return, for fault catchers (kernel/fault.c), in arch/<arch>/lib.S:
 * arch_setjmp() saves the callee-saved registers, stack and return address in
 * @jb (struct arch_jmp_buf, from <arch/cpu.h>) and returns 0; arch_longjmp()
 * resumes there, making that arch_setjmp() return @val (1 if @val is 0). The
 * frame that called arch_setjmp() must still be live.
 */
struct arch_jmp_buf;
int arch_setjmp(struct arch_jmp_buf *jb);
__noreturn void arch_longjmp(struct arch_jmp_buf *jb, int val);

/*
 * SMP (driven by kernel/smp.c, see <kern/smp.h>).
 *
 * arch_smp_enumerate(): call smp_cpu_found() for every enabled CPU the firmware
 *   describes, the boot CPU included. After mm_init() (ioremap() works).
 * arch_cpu_start(@cpu): start the CPU of percpu_areas[@cpu] (hwid, and the stack
 *   [stack_bottom, stack_top) with its guard page, are set). The CPU must set its
 *   per-CPU register to that area, load the kernel page table in the boot CPU's
 *   paging mode, install its trap handlers and call smp_ap_entry() on that stack
 *   with interrupts masked. Returns 0 once the start is under way (whether the CPU
 *   arrives is the caller's to wait for), or a negative errno.
 * arch_smp_send_ipi(@cpus): raise the cross-CPU-call interrupt on every CPU of
 *   @cpus (never the caller); its handler calls smp_ipi_interrupt().
 * arch_smp_send_stop(@cpus): for panic(): make the CPUs of @cpus stop for good,
 *   where possible even if they run with interrupts masked (x86_64: an NMI); a
 *   CPU that only gets an ordinary interrupt halts from smp_poll().
 * arch_cpu_idle(): called with interrupts masked; wait for an interrupt and let
 *   it be taken, return with interrupts masked again.
 */
void arch_smp_enumerate(void);
int arch_cpu_start(unsigned int cpu);
void arch_smp_send_ipi(const struct cpuset *cpus);
void arch_smp_send_stop(const struct cpuset *cpus);
void arch_cpu_idle(void);

/*
 * Threads (kernel/sched.c, <kern/sched.h>), in arch/<arch>/lib.S and cpu.c.
 *
 * arch_switch(@save_sp, @new_sp): save the callee-saved registers on the current
 *   stack, store the stack pointer in *@save_sp, switch to @new_sp (a stack saved
 *   by arch_switch() or made by arch_thread_stack_init()) and resume there.
 *   Called with interrupts masked.
 * arch_thread_stack_init(@top, @fn, @arg): lay out a new thread's first frame
 *   below @top so that switching to the returned stack pointer calls
 *   sched_thread_start(@fn, @arg) with the frame-pointer chain ended.
 */
void arch_switch(uintptr_t *save_sp, uintptr_t new_sp);
uintptr_t arch_thread_stack_init(uintptr_t top, void (*fn)(void *), void *arg);

/*
 * User mode (kernel/syscall.c, kernel/uaccess.c).
 *
 * arch_user_enter(@pc, @sp): leave the calling thread's kernel context for good
 *   and run user code at @pc with stack pointer @sp (its address space active),
 *   every other register 0. System calls come back as syscall_dispatch() with the
 *   arch's Linux numbers (<arch/unistd.h>); user faults as user_fault().
 * ARCH_HAS_USER_MODE (from <arch/cpu.h>): 1 where arch_user_enter() and the user
 *   trap paths exist; 0 while a port has not written them (arch_user_enter()
 *   then panics, and the user ktests say the arch has no user mode).
 * arch_user_access_begin()/end(): open and close user pages to kernel accesses
 *   (riscv64 sstatus.SUM; x86_64 stac/clac under SMAP). Nothing else may run in
 *   between but the copy.
 */
__noreturn void arch_user_enter(uintptr_t pc, uintptr_t sp);
/* The running thread's kernel stack ends at @top (x86_64: TSS.RSP0); the scheduler calls it. */
void arch_set_kernel_stack(uintptr_t top);
/*
 * arch_user_resume(): return to user mode through the user frame (struct
 *   trap_frame) at the very top of the calling thread's kernel stack, which
 *   thread_create_proc() put there (clone). Interrupts masked.
 * arch_clone_frame(@buf, @parent, @sp, @tls, @settls): fill @buf (ARCH_USER_FRAME_SIZE
 *   bytes) with a cloned thread's first user frame: @parent's (the frame of the clone
 *   call), the return register 0, the stack pointer @sp if not 0, and with @settls
 *   the TLS register @tls where it is one (riscv64 tp).
 * arch_set_user_tls(@base): the thread-pointer base that is not a register of the
 *   frame (x86_64 FS base; nothing on riscv64); the scheduler calls it when it
 *   switches to a thread of a process.
 */
__noreturn void arch_user_resume(void);
struct trap_frame;
void arch_clone_frame(void *buf, const struct trap_frame *parent, uintptr_t sp, uintptr_t tls,
		      bool settls);
void arch_set_user_tls(uintptr_t base);
/*
 * User FP/vector state (kernel/sched.c, kernel/proc.c): each thread of a process
 * keeps it in its struct thread's fpu_state, ARCH_FPU_STATE_SIZE bytes aligned to
 * ARCH_FPU_STATE_ALIGN (both from <arch/cpu.h>). The kernel never uses these
 * registers itself, so while a thread of a process runs (in user mode or in the
 * kernel) the registers hold its state; fpu_state is its copy while it is switched
 * out. Threads without a process (the user ktests) keep none: they must not use FP.
 *
 * arch_fpu_init(@state): a new program's state, as Linux starts one (x86_64: FCW
 *   0x37f, MXCSR 0x1f80, the rest 0; riscv64: every register and fcsr 0).
 * arch_fpu_copy(@state): the calling thread's current state into @state (clone:
 *   Linux copies the creator's state).
 * arch_fpu_switch(@prev, @next): at a switch, with interrupts masked, save @prev's
 *   registers if it is a thread of a process (riscv64: only if they changed) and
 *   load @next's if it is one.
 * arch_fpu_load(@state): load @state into the calling thread's registers, with
 *   interrupts masked (execve: the new program's initial state).
 */
void arch_fpu_init(void *state);
void arch_fpu_copy(void *state);
void arch_fpu_switch(struct thread *prev, struct thread *next);
void arch_fpu_load(const void *state);
static inline void arch_user_access_begin(void);
static inline void arch_user_access_end(void);
/* Does the hardware stop kernel accesses to user pages outside them, and kernel
 * execution of user pages (riscv64 always; x86_64 with SMEP and SMAP)? */
static inline bool arch_user_pages_guarded(void);

/*
 * arch_counter_read(): a free-running counter of constant frequency, the same on
 *   every CPU (x86_64 TSC, riscv64 time CSR); kernel/time.c turns it into time.
 */
static inline uint64_t arch_counter_read(void);

/*
 * CPU identity and local interrupt masking, used by kernel/cpu.c for <kern/cpu.h>.
 * Each arch provides them as static inline functions in <arch/cpu.h>.
 *
 * arch_irq_save(): mask interrupts on this CPU; return the previous state.
 * arch_irq_restore(): restore a state arch_irq_save() returned (unmask only if
 *   interrupts were on then).
 * arch_irq_enable(): unmask interrupts on this CPU.
 * arch_cpu_index(): the calling CPU's dense index, 0 for the boot CPU, below
 *   CONFIG_MAX_CPUS; stable while interrupts are masked.
 */
static inline unsigned long arch_irq_save(void);
static inline void arch_irq_restore(unsigned long flags);
static inline void arch_irq_enable(void);
static inline unsigned int arch_cpu_index(void);

/* The current frame pointer (of the caller of this inline hook's expansion). */
#include <arch/cpu.h>   /* provides arch_frame_address(), arch_cpu_relax() */

#endif
